//go:build !noasm

package simd

// asmBuild reports whether the assembly kernels are compiled in.
const asmBuild = true
