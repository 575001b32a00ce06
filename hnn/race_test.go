//go:build race

package hnn

// The race detector randomly drops sync.Pool items and makes goroutine
// start-up allocate, so allocation counts are only asserted without it.
const raceEnabled = true
