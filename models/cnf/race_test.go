//go:build race

package cnf

// raceEnabled: the race detector makes allocations of its own, so the
// allocation tests are skipped under it.
const raceEnabled = true
