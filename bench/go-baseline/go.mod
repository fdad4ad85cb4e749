module webraft-bench/go-baseline

go 1.22
