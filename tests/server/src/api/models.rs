//! The `/models` listing.

use super::bodies::CREATED;
use crate::json::J;

const MODEL_IDS: [&str; 4] = [
    "gpt-4o",
    "gpt-4o-mini",
    "gpt-3.5-turbo",
    "text-embedding-3-small",
];

pub(crate) fn body() -> String {
    let data: Vec<J> = MODEL_IDS
        .iter()
        .map(|id| obj! {"id" => *id, "object" => "model", "created" => CREATED, "owned_by" => "webraft-test"})
        .collect();
    obj! {"object" => "list", "data" => data}.compact()
}
