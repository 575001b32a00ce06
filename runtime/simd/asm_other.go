//go:build noasm || !amd64

package simd

// asmBuild reports whether the assembly kernels are compiled in.
const asmBuild = false

// The assembly entry points do not exist in this build; every call site is
// guarded by the constant asmBuild, so these are never reached.

const errNoAsm = "simd: assembly kernel called in a build without assembly"

func dotAVX2(x, y []float64) float64                                           { panic(errNoAsm) }
func axpyAVX2(alpha float64, x, y []float64)                                   { panic(errNoAsm) }
func scalAVX2(alpha float64, x []float64)                                      { panic(errNoAsm) }
func addBiasAVX2(bias, z []float64)                                            { panic(errNoAsm) }
func addBiasReLUAVX2(bias, z, out []float64)                                   { panic(errNoAsm) }
func reluBackwardAVX2(z, g, out []float64)                                     { panic(errNoAsm) }
func tanhBackwardAVX2(y, g, out []float64)                                     { panic(errNoAsm) }
func sigmoidBackwardAVX2(y, g, out []float64)                                  { panic(errNoAsm) }
func gemmKernel6x8AVX2(k int, a, b, c []float64, ldc int, alpha, beta float64) { panic(errNoAsm) }
func gemmRows1AVX2(k, n int, a []float64, ars, acs int, b []float64, ldb int, c []float64, ldc int, alpha, beta float64) {
	panic(errNoAsm)
}
func gemmRows2AVX2(k, n int, a []float64, ars, acs int, b []float64, ldb int, c []float64, ldc int, alpha, beta float64) {
	panic(errNoAsm)
}
func gemmRows3AVX2(k, n int, a []float64, ars, acs int, b []float64, ldb int, c []float64, ldc int, alpha, beta float64) {
	panic(errNoAsm)
}
func gemmRows4AVX2(k, n int, a []float64, ars, acs int, b []float64, ldb int, c []float64, ldc int, alpha, beta float64) {
	panic(errNoAsm)
}
func dot4AVX2(a []float64, lda int, x []float64, out *[4]float64) { panic(errNoAsm) }
func gemvAVX2(m, n int, alpha float64, a []float64, lda int, x []float64, beta float64, y []float64) {
	panic(errNoAsm)
}
func gemvTAVX2(m, n int, alpha float64, a []float64, lda int, x []float64, y []float64) {
	panic(errNoAsm)
}
func vaddAVX2(dst, a, b []float64)                             { panic(errNoAsm) }
func vsubAVX2(dst, a, b []float64)                             { panic(errNoAsm) }
func vmulAVX2(dst, a, b []float64)                             { panic(errNoAsm) }
func vdivAVX2(dst, a, b []float64)                             { panic(errNoAsm) }
func vmulAddAVX2(dst, a, b, c []float64)                       { panic(errNoAsm) }
func vscaleAVX2(dst []float64, alpha float64, a []float64)     { panic(errNoAsm) }
func vaddScalarAVX2(dst []float64, alpha float64, a []float64) { panic(errNoAsm) }
func vnegAVX2(dst, a []float64)                                { panic(errNoAsm) }
func vsquareAVX2(dst, a []float64)                             { panic(errNoAsm) }
func vexpAVX2(dst, x []float64)                                { panic(errNoAsm) }
func vtanhAVX2(dst, x []float64)                               { panic(errNoAsm) }
func vsigmoidAVX2(dst, x []float64)                            { panic(errNoAsm) }
func vsoftplusAVX2(dst, x []float64)                           { panic(errNoAsm) }
