// Package simd holds the vector kernels that nodekit's hot loops run: dot,
// axpy, scal, gemv and gemm, plus the fused pieces a dense layer needs (bias
// broadcast + activation, activation derivative times upstream gradient).
//
// All matrices are row-major with an explicit leading dimension (stride).
// Results are written into caller-provided slices; no kernel allocates
// (Gemm keeps its packing buffers in a sync.Pool).
//
// # Implementations
//
// The implementation is chosen once at start-up with
// github.com/klauspost/cpuid/v2:
//
//   - AVX2: AVX2+FMA3 assembly generated with avo (see _gen/gen.go), on
//     amd64 CPUs that have both extensions.
//   - Generic: pure Go, used on every other CPU, under the noasm build tag,
//     or when forced.
//
// A lower level can be forced for a whole process with the environment
// variable NODEKIT_SIMD=generic (read at start-up), or at run time with
// SetLevel(Generic); Level reports what runs. Tests can also hide CPU
// features with cpuid's flag: go test -args -cpu.disable=avx2,fma3.
//
// # GEMM
//
// Gemm packs op(A) and op(B) into cache-blocked panels (KC×MC blocks of A
// for L2, KC×NC blocks of B for L3) and runs a register-tiled micro-kernel
// over them: 6×8 doubles in twelve ymm accumulators on AVX2, 4×4 scalars in
// pure Go. Transposes and ragged edges are handled by the packing, so the
// micro-kernel only ever sees full tiles. Large products are split across
// runtime.GOMAXPROCS goroutines of a persistent worker pool.
//
// Small products (m·n·k ≤ 64³: the dense layers of a neural ODE, such as
// 20×50×2 at batch 20) are not packed: packing would cost more than the
// arithmetic. They run one of three unpacked loop orders, whichever needs
// the fewest vector operations and copies for the shapes and transposes at
// hand: rows of C as sums of broadcast A times rows of B (4 rows × 8
// columns in eight ymm accumulators on AVX2, A read through any strides),
// the same on Cᵀ when C is tall and narrow, or four-row dot products when
// k is the long dimension. A transposed operand that the chosen order
// cannot read in place is copied (at most the operand itself).
//
// # Elementwise kernels and vector math
//
// VAdd, VSub, VMul, VDiv, VMulAdd (fused: a·b+c rounded once), VScale,
// VAddScalar, VNeg and VSquare run one operation over len(dst) elements
// for the batched forms of generated code. VExp, VTanh, VSigmoid and
// VSoftplus are vector transcendental functions (exp by Cody–Waite
// reduction and a degree-13 polynomial, tanh by a rational approximation
// below |x| = 0.625 and 1 − 2/(e^{2|x|}+1) above, log1p for softplus as in
// FreeBSD's log) with errors below 1.7 ulp. All of them return the same
// bits on every level: the pure-Go code evaluates the assembly's
// expressions in the same order, with math.FMA where the assembly fuses.
//
// # Numerical conventions
//
// As in the reference BLAS: when beta == 0, C (or y) is overwritten without
// being read, so NaN or Inf there does not propagate; when alpha == 0, A and
// B (or x) are not read. Vector kernels sum in a different order than a
// sequential loop, so results agree with the pure-Go reference to rounding,
// not bit for bit. The fused activation kernels are exact: the assembly and
// the pure-Go code compute the same expressions (with math.FMA where the
// assembly fuses).
package simd

//go:generate sh -c "cd _gen && go run -tags generate gen.go -out ../kernels_amd64.s -stubs ../kernels_amd64.go -pkg simd"
