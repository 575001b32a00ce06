//go:build !race

package cnf

const raceEnabled = false
