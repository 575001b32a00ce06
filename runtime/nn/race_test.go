//go:build race

package nn

// The race detector makes goroutine start-up and sync allocate, so
// allocation counts are only asserted without it.
const raceEnabled = true
