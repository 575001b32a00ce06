//go:build !race

package hnn

const raceEnabled = false
