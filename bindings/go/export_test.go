package webraft

// Test access to internals: leak counters, GC-stress switch, buffer state.

func SetGCStress(on bool) { gcStress.Store(on) }

func LiveHandles() int64  { return liveHandles.Load() }
func LiveRequests() int64 { return liveRequests.Load() }
func LiveClients() int64  { return liveClients.Load() }

// LiveCredentials counts the Config.Credentials functions of clients not yet freed.
func LiveCredentials() int64 { return liveCredentials.Load() }

// BufferedChunks is how many chunks wait in the stream's channel, and its capacity.
func (s *Stream) BufferedChunks() (int, int) { return len(s.p.state.items), cap(s.p.state.items) }

// LibraryStatusName is webraft_status_name (cgo cannot be used in test files).
func LibraryStatusName(v uint32) string { return libraryStatusName(v) }

func LiveResults() int64       { return liveResults.Load() }
func LiveConversations() int64 { return liveConversations.Load() }
func LiveForms() int64         { return liveForms.Load() }
