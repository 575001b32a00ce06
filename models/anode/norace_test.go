//go:build !race

package anode

const raceEnabled = false
