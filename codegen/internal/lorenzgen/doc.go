// Package lorenzgen holds the generated Lorenz model, checked in, so its
// speed can be benchmarked against a hand-written Lorenz and the
// interpreter, and its batched forms against each other
// (lorenzgen_test.go); a test keeps it equal to the generator's
// current output.
package lorenzgen

//go:generate go run github.com/nodekit/nodekit/cmd/nodekit gen -o lorenz_gen.go lorenz.node
