//go:build generate

// Command gen writes the AVX2+FMA kernels of package simd with avo.
//
// Regenerate (byte for byte what is committed) with
//
//	cd runtime/simd/_gen && go run -tags generate gen.go -out ../kernels_amd64.s -stubs ../kernels_amd64.go -pkg simd
//
// (also run by `go generate ./runtime/simd`), and check that the committed
// output is current with
//
//	cd runtime/simd/_gen && go test -tags generate .
package main

import (
	"fmt"
	"math"

	. "github.com/mmcloughlin/avo/build"
	"github.com/mmcloughlin/avo/gotypes"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// Micro-kernel tile: 6 rows × 8 columns of C held in 12 ymm accumulators,
// two ymm of B and one broadcast of A per k step: 15 of the 16 registers.
const (
	gemmMR = 6
	gemmNR = 8
)

// Unpacked small-product kernels compute up to gemmRowsMax rows of C at
// a time, eight columns per step (2·gemmRowsMax accumulators).
const gemmRowsMax = 4

func main() {
	ConstraintExpr("!noasm")

	genDot()
	genAxpy()
	genScal()
	genDot4()
	genAxpy4()
	genGemmKernel()
	for r := 1; r <= gemmRowsMax; r++ {
		genGemmRows(r)
	}
	genAddBias()
	genAddBiasReLU()
	genReLUBackward()
	genTanhBackward()
	genSigmoidBackward()
	genElementwise()
	genVecMath()

	Generate()
}

// gp loads an integer or pointer argument into a fresh general register.
func gp(c gotypes.Component) GPVirtual {
	r := GP64()
	Load(c, r)
	return r
}

func header(name, sig string, doc ...string) {
	TEXT(name, NOSPLIT, sig)
	Pragma("noescape")
	Doc(doc...)
}

// broadcastParam loads a float64 argument and broadcasts it to a ymm register.
func broadcastParam(name string) VecVirtual {
	x := Load(Param(name), XMM())
	y := YMM()
	VBROADCASTSD(x, y)
	return y
}

func genDot() {
	header("dotAVX2", "func(x, y []float64) float64",
		"dotAVX2 returns Σ x[i]·y[i] over len(x) elements; len(y) ≥ len(x).")
	x := gp(Param("x").Base())
	y := gp(Param("y").Base())
	n := gp(Param("x").Len())

	acc := []VecVirtual{YMM(), YMM(), YMM(), YMM()}
	for _, a := range acc {
		VXORPD(a, a, a)
	}
	Label("dot_loop16")
	CMPQ(n, U8(16))
	JL(LabelRef("dot_loop4"))
	for i, a := range acc {
		t := YMM()
		VMOVUPD(Mem{Base: x, Disp: 32 * i}, t)
		VFMADD231PD(Mem{Base: y, Disp: 32 * i}, t, a)
	}
	ADDQ(U8(128), x)
	ADDQ(U8(128), y)
	SUBQ(U8(16), n)
	JMP(LabelRef("dot_loop16"))

	Label("dot_loop4")
	CMPQ(n, U8(4))
	JL(LabelRef("dot_reduce"))
	t := YMM()
	VMOVUPD(Mem{Base: x}, t)
	VFMADD231PD(Mem{Base: y}, t, acc[0])
	ADDQ(U8(32), x)
	ADDQ(U8(32), y)
	SUBQ(U8(4), n)
	JMP(LabelRef("dot_loop4"))

	Label("dot_reduce")
	VADDPD(acc[1], acc[0], acc[0])
	VADDPD(acc[3], acc[2], acc[2])
	VADDPD(acc[2], acc[0], acc[0])
	hi := XMM()
	VEXTRACTF128(U8(1), acc[0], hi)
	sum := acc[0].AsX()
	VADDPD(hi, sum, sum)
	VHADDPD(sum, sum, sum)

	Label("dot_tail")
	TESTQ(n, n)
	JE(LabelRef("dot_done"))
	s := XMM()
	VMOVSD(Mem{Base: x}, s)
	VFMADD231SD(Mem{Base: y}, s, sum)
	ADDQ(U8(8), x)
	ADDQ(U8(8), y)
	DECQ(n)
	JMP(LabelRef("dot_tail"))

	Label("dot_done")
	VZEROUPPER()
	Store(sum, ReturnIndex(0))
	RET()
}

func genAxpy() {
	header("axpyAVX2", "func(alpha float64, x, y []float64)",
		"axpyAVX2 computes y[i] += alpha·x[i] over len(x) elements.")
	alpha := broadcastParam("alpha")
	x := gp(Param("x").Base())
	y := gp(Param("y").Base())
	n := gp(Param("x").Len())

	Label("axpy_loop16")
	CMPQ(n, U8(16))
	JL(LabelRef("axpy_loop4"))
	vs := []VecVirtual{YMM(), YMM(), YMM(), YMM()}
	for i, v := range vs {
		VMOVUPD(Mem{Base: y, Disp: 32 * i}, v)
		VFMADD231PD(Mem{Base: x, Disp: 32 * i}, alpha, v)
	}
	for i, v := range vs {
		VMOVUPD(v, Mem{Base: y, Disp: 32 * i})
	}
	ADDQ(U8(128), x)
	ADDQ(U8(128), y)
	SUBQ(U8(16), n)
	JMP(LabelRef("axpy_loop16"))

	Label("axpy_loop4")
	CMPQ(n, U8(4))
	JL(LabelRef("axpy_tail"))
	v := YMM()
	VMOVUPD(Mem{Base: y}, v)
	VFMADD231PD(Mem{Base: x}, alpha, v)
	VMOVUPD(v, Mem{Base: y})
	ADDQ(U8(32), x)
	ADDQ(U8(32), y)
	SUBQ(U8(4), n)
	JMP(LabelRef("axpy_loop4"))

	Label("axpy_tail")
	TESTQ(n, n)
	JE(LabelRef("axpy_done"))
	s := XMM()
	VMOVSD(Mem{Base: y}, s)
	VFMADD231SD(Mem{Base: x}, alpha.AsX(), s)
	VMOVSD(s, Mem{Base: y})
	ADDQ(U8(8), x)
	ADDQ(U8(8), y)
	DECQ(n)
	JMP(LabelRef("axpy_tail"))

	Label("axpy_done")
	VZEROUPPER()
	RET()
}

func genScal() {
	header("scalAVX2", "func(alpha float64, x []float64)",
		"scalAVX2 computes x[i] *= alpha.")
	alpha := broadcastParam("alpha")
	x := gp(Param("x").Base())
	n := gp(Param("x").Len())

	Label("scal_loop16")
	CMPQ(n, U8(16))
	JL(LabelRef("scal_loop4"))
	vs := []VecVirtual{YMM(), YMM(), YMM(), YMM()}
	for i, v := range vs {
		VMULPD(Mem{Base: x, Disp: 32 * i}, alpha, v)
	}
	for i, v := range vs {
		VMOVUPD(v, Mem{Base: x, Disp: 32 * i})
	}
	ADDQ(U8(128), x)
	SUBQ(U8(16), n)
	JMP(LabelRef("scal_loop16"))

	Label("scal_loop4")
	CMPQ(n, U8(4))
	JL(LabelRef("scal_tail"))
	v := YMM()
	VMULPD(Mem{Base: x}, alpha, v)
	VMOVUPD(v, Mem{Base: x})
	ADDQ(U8(32), x)
	SUBQ(U8(4), n)
	JMP(LabelRef("scal_loop4"))

	Label("scal_tail")
	TESTQ(n, n)
	JE(LabelRef("scal_done"))
	s := XMM()
	VMULSD(Mem{Base: x}, alpha.AsX(), s)
	VMOVSD(s, Mem{Base: x})
	ADDQ(U8(8), x)
	DECQ(n)
	JMP(LabelRef("scal_tail"))

	Label("scal_done")
	VZEROUPPER()
	RET()
}

// genDot4 emits four simultaneous dot products sharing the loads of x, the
// inner step of Gemv. Only len(x)&^3 elements are processed; the caller
// finishes the remaining columns in Go.
func genDot4() {
	header("dot4AVX2", "func(a []float64, lda int, x []float64, out *[4]float64)",
		"dot4AVX2 sets out[r] = Σ_j a[r·lda+j]·x[j] for r < 4 and j < len(x)&^3.")
	a0 := gp(Param("a").Base())
	lda := gp(Param("lda"))
	x := gp(Param("x").Base())
	n := gp(Param("x").Len())
	SHLQ(U8(3), lda)
	a1, a2, a3 := GP64(), GP64(), GP64()
	LEAQ(Mem{Base: a0, Index: lda, Scale: 1}, a1)
	LEAQ(Mem{Base: a1, Index: lda, Scale: 1}, a2)
	LEAQ(Mem{Base: a2, Index: lda, Scale: 1}, a3)
	rows := []GPVirtual{a0, a1, a2, a3}
	i := GP64()
	XORQ(i, i)

	acc := make([][2]VecVirtual, 4)
	for r := range acc {
		acc[r] = [2]VecVirtual{YMM(), YMM()}
		VXORPD(acc[r][0], acc[r][0], acc[r][0])
		VXORPD(acc[r][1], acc[r][1], acc[r][1])
	}
	SUBQ(U8(8), n)
	Label("dot4_loop8")
	CMPQ(i, n)
	JG(LabelRef("dot4_loop4pre"))
	x0, x1 := YMM(), YMM()
	VMOVUPD(Mem{Base: x, Index: i, Scale: 8}, x0)
	VMOVUPD(Mem{Base: x, Index: i, Scale: 8, Disp: 32}, x1)
	for r, p := range rows {
		VFMADD231PD(Mem{Base: p, Index: i, Scale: 8}, x0, acc[r][0])
		VFMADD231PD(Mem{Base: p, Index: i, Scale: 8, Disp: 32}, x1, acc[r][1])
	}
	ADDQ(U8(8), i)
	JMP(LabelRef("dot4_loop8"))

	Label("dot4_loop4pre")
	ADDQ(U8(4), n)
	CMPQ(i, n)
	JG(LabelRef("dot4_reduce"))
	VMOVUPD(Mem{Base: x, Index: i, Scale: 8}, x0)
	for r, p := range rows {
		VFMADD231PD(Mem{Base: p, Index: i, Scale: 8}, x0, acc[r][0])
	}

	Label("dot4_reduce")
	for r := range acc {
		VADDPD(acc[r][1], acc[r][0], acc[r][0])
	}
	// h01 = [s0a s1a s0b s1b], h23 = [s2a s3a s2b s3b] (a: low lane, b: high lane).
	h01, h23 := acc[0][0], acc[2][0]
	VHADDPD(acc[1][0], acc[0][0], h01)
	VHADDPD(acc[3][0], acc[2][0], h23)
	lo, hi := YMM(), YMM()
	VPERM2F128(U8(0x21), h23, h01, hi) // [h01.high, h23.low]
	VBLENDPD(U8(0xc), h23, h01, lo)    // [h01.low, h23.high]
	VADDPD(hi, lo, lo)
	out := gp(Param("out"))
	VMOVUPD(lo, Mem{Base: out})
	VZEROUPPER()
	RET()
}

// genAxpy4 emits y += c0·a0 + c1·a1 + c2·a2 + c3·a3 for four rows of a,
// the inner step of GemvT. Only len(y)&^3 elements are processed.
func genAxpy4() {
	header("axpy4AVX2", "func(c *[4]float64, a []float64, lda int, y []float64)",
		"axpy4AVX2 computes y[j] += Σ_r c[r]·a[r·lda+j] for r < 4 and j < len(y)&^3.")
	cp := gp(Param("c"))
	coef := make([]VecVirtual, 4)
	for r := range coef {
		coef[r] = YMM()
		VBROADCASTSD(Mem{Base: cp, Disp: 8 * r}, coef[r])
	}
	a0 := gp(Param("a").Base())
	lda := gp(Param("lda"))
	y := gp(Param("y").Base())
	n := gp(Param("y").Len())
	SHLQ(U8(3), lda)
	a1, a2, a3 := GP64(), GP64(), GP64()
	LEAQ(Mem{Base: a0, Index: lda, Scale: 1}, a1)
	LEAQ(Mem{Base: a1, Index: lda, Scale: 1}, a2)
	LEAQ(Mem{Base: a2, Index: lda, Scale: 1}, a3)
	rows := []GPVirtual{a0, a1, a2, a3}
	i := GP64()
	XORQ(i, i)

	SUBQ(U8(8), n)
	Label("axpy4_loop8")
	CMPQ(i, n)
	JG(LabelRef("axpy4_loop4pre"))
	y0, y1 := YMM(), YMM()
	VMOVUPD(Mem{Base: y, Index: i, Scale: 8}, y0)
	VMOVUPD(Mem{Base: y, Index: i, Scale: 8, Disp: 32}, y1)
	for r, p := range rows {
		VFMADD231PD(Mem{Base: p, Index: i, Scale: 8}, coef[r], y0)
		VFMADD231PD(Mem{Base: p, Index: i, Scale: 8, Disp: 32}, coef[r], y1)
	}
	VMOVUPD(y0, Mem{Base: y, Index: i, Scale: 8})
	VMOVUPD(y1, Mem{Base: y, Index: i, Scale: 8, Disp: 32})
	ADDQ(U8(8), i)
	JMP(LabelRef("axpy4_loop8"))

	Label("axpy4_loop4pre")
	ADDQ(U8(4), n)
	CMPQ(i, n)
	JG(LabelRef("axpy4_done"))
	VMOVUPD(Mem{Base: y, Index: i, Scale: 8}, y0)
	for r, p := range rows {
		VFMADD231PD(Mem{Base: p, Index: i, Scale: 8}, coef[r], y0)
	}
	VMOVUPD(y0, Mem{Base: y, Index: i, Scale: 8})

	Label("axpy4_done")
	VZEROUPPER()
	RET()
}

// genGemmKernel emits the 6×8 register-tiled micro-kernel over packed
// panels: a holds k groups of 6 values (a column of the A panel), b holds k
// groups of 8 (a row of the B panel). It writes
//
//	C[r][j] = alpha·Σ_p a[6p+r]·b[8p+j] + beta·C[r][j]
//
// and never reads C when beta == 0, so NaN in C is overwritten.
func genGemmKernel() {
	header("gemmKernel6x8AVX2", "func(k int, a, b, c []float64, ldc int, alpha, beta float64)",
		fmt.Sprintf("gemmKernel6x8AVX2 computes a %d×%d tile C = alpha·Aₚ·Bₚ + beta·C over packed panels.", gemmMR, gemmNR))
	k := gp(Param("k"))
	pa := gp(Param("a").Base())
	pb := gp(Param("b").Base())

	acc := make([][2]VecVirtual, gemmMR)
	for r := range acc {
		acc[r] = [2]VecVirtual{YMM(), YMM()}
		VXORPD(acc[r][0], acc[r][0], acc[r][0])
		VXORPD(acc[r][1], acc[r][1], acc[r][1])
	}
	b0, b1, t := YMM(), YMM(), YMM()
	step := func(p int) {
		VMOVUPD(Mem{Base: pb, Disp: 8 * gemmNR * p}, b0)
		VMOVUPD(Mem{Base: pb, Disp: 8*gemmNR*p + 32}, b1)
		for r := 0; r < gemmMR; r++ {
			VBROADCASTSD(Mem{Base: pa, Disp: 8 * (gemmMR*p + r)}, t)
			VFMADD231PD(b0, t, acc[r][0])
			VFMADD231PD(b1, t, acc[r][1])
		}
	}
	const unroll = 4
	Label("gemm_loop4")
	CMPQ(k, U8(unroll))
	JL(LabelRef("gemm_loop1"))
	for p := 0; p < unroll; p++ {
		step(p)
	}
	ADDQ(U32(8*gemmMR*unroll), pa)
	ADDQ(U32(8*gemmNR*unroll), pb)
	SUBQ(U8(unroll), k)
	JMP(LabelRef("gemm_loop4"))

	Label("gemm_loop1")
	TESTQ(k, k)
	JE(LabelRef("gemm_store"))
	step(0)
	ADDQ(U8(8*gemmMR), pa)
	ADDQ(U8(8*gemmNR), pb)
	DECQ(k)
	JMP(LabelRef("gemm_loop1"))

	Label("gemm_store")
	c := gp(Param("c").Base())
	ldc := gp(Param("ldc"))
	SHLQ(U8(3), ldc)
	alpha := broadcastParam("alpha")
	for r := range acc {
		VMULPD(alpha, acc[r][0], acc[r][0])
		VMULPD(alpha, acc[r][1], acc[r][1])
	}
	betaX := Load(Param("beta"), XMM())
	zero := XMM()
	VXORPD(zero, zero, zero)
	VUCOMISD(zero, betaX)
	JNE(LabelRef("gemm_beta"))
	JP(LabelRef("gemm_beta"))
	for r := range acc {
		VMOVUPD(acc[r][0], Mem{Base: c})
		VMOVUPD(acc[r][1], Mem{Base: c, Disp: 32})
		if r+1 < gemmMR {
			ADDQ(ldc, c)
		}
	}
	VZEROUPPER()
	RET()

	Label("gemm_beta")
	beta := YMM()
	VBROADCASTSD(betaX, beta)
	for r := range acc {
		VFMADD231PD(Mem{Base: c}, beta, acc[r][0])
		VFMADD231PD(Mem{Base: c, Disp: 32}, beta, acc[r][1])
		VMOVUPD(acc[r][0], Mem{Base: c})
		VMOVUPD(acc[r][1], Mem{Base: c, Disp: 32})
		if r+1 < gemmMR {
			ADDQ(ldc, c)
		}
	}
	VZEROUPPER()
	RET()
}

// elementwise emits a loop over len(out) elements, four at a time, with a
// scalar tail using the xmm forms of the same instructions. body receives
// the index register and whether it is the scalar (1-element) form.
func elementwise(prefix string, n GPVirtual, body func(i GPVirtual, scalar bool)) {
	i := GP64()
	XORQ(i, i)
	m := GP64()
	MOVQ(n, m)
	ANDQ(I8(-4), m)
	Label(prefix + "_loop4")
	CMPQ(i, m)
	JGE(LabelRef(prefix + "_tail"))
	body(i, false)
	ADDQ(U8(4), i)
	JMP(LabelRef(prefix + "_loop4"))
	Label(prefix + "_tail")
	CMPQ(i, n)
	JGE(LabelRef(prefix + "_done"))
	body(i, true)
	INCQ(i)
	JMP(LabelRef(prefix + "_tail"))
	Label(prefix + "_done")
	VZEROUPPER()
	RET()
}

func at(base GPVirtual, i GPVirtual) Mem { return Mem{Base: base, Index: i, Scale: 8} }

// vec returns v itself for the packed form or its xmm half for the scalar
// form; scalar loads use VMOVSD so nothing past the slice end is touched.
func load(m Mem, v VecVirtual, scalar bool) Register {
	if scalar {
		VMOVSD(m, v.AsX())
		return v.AsX()
	}
	VMOVUPD(m, v)
	return v
}

func store(v VecVirtual, m Mem, scalar bool) {
	if scalar {
		VMOVSD(v.AsX(), m)
		return
	}
	VMOVUPD(v, m)
}

func half(v VecVirtual, scalar bool) Register {
	if scalar {
		return v.AsX()
	}
	return v
}

func genAddBias() {
	header("addBiasAVX2", "func(bias, z []float64)",
		"addBiasAVX2 computes z[j] += bias[j] over len(z) elements.")
	b := gp(Param("bias").Base())
	z := gp(Param("z").Base())
	n := gp(Param("z").Len())
	v, w := YMM(), YMM()
	elementwise("addbias", n, func(i GPVirtual, s bool) {
		load(at(z, i), v, s)
		load(at(b, i), w, s)
		VADDPD(half(w, s), half(v, s), half(v, s))
		store(v, at(z, i), s)
	})
}

func genAddBiasReLU() {
	header("addBiasReLUAVX2", "func(bias, z, out []float64)",
		"addBiasReLUAVX2 computes z[j] += bias[j]; out[j] = max(z[j], 0) (NaN stays NaN) over len(z) elements.")
	b := gp(Param("bias").Base())
	z := gp(Param("z").Base())
	o := gp(Param("out").Base())
	n := gp(Param("z").Len())
	zero := YMM()
	VXORPD(zero, zero, zero)
	v, w := YMM(), YMM()
	elementwise("biasrelu", n, func(i GPVirtual, s bool) {
		load(at(z, i), v, s)
		load(at(b, i), w, s)
		VADDPD(half(w, s), half(v, s), half(v, s))
		store(v, at(z, i), s)
		// Intel MAXPD returns its second source when the comparison is
		// false or unordered: (0 > z) ? 0 : z.
		VMAXPD(half(v, s), half(zero, s), half(w, s))
		store(w, at(o, i), s)
	})
}

func genReLUBackward() {
	header("reluBackwardAVX2", "func(z, g, out []float64)",
		"reluBackwardAVX2 computes out[j] = g[j] if z[j] > 0, else 0, over len(out) elements.")
	z := gp(Param("z").Base())
	g := gp(Param("g").Base())
	o := gp(Param("out").Base())
	n := gp(Param("out").Len())
	zero := YMM()
	VXORPD(zero, zero, zero)
	v, w := YMM(), YMM()
	elementwise("relubwd", n, func(i GPVirtual, s bool) {
		load(at(z, i), v, s)
		load(at(g, i), w, s)
		VCMPPD(U8(0x1e), half(zero, s), half(v, s), half(v, s)) // GT_OQ: z > 0
		VANDPD(half(w, s), half(v, s), half(v, s))
		store(v, at(o, i), s)
	})
}

// broadcastOne returns a ymm register with 1.0 in every lane.
func broadcastOne() VecVirtual {
	t := GP64()
	MOVQ(U64(0x3ff0000000000000), t)
	x := XMM()
	VMOVQ(t, x)
	y := YMM()
	VBROADCASTSD(x, y)
	return y
}

func genTanhBackward() {
	header("tanhBackwardAVX2", "func(y, g, out []float64)",
		"tanhBackwardAVX2 computes out[j] = fma(-y[j], y[j], 1)·g[j] over len(out) elements.")
	y := gp(Param("y").Base())
	g := gp(Param("g").Base())
	o := gp(Param("out").Base())
	n := gp(Param("out").Len())
	one := broadcastOne()
	v, w := YMM(), YMM()
	elementwise("tanhbwd", n, func(i GPVirtual, s bool) {
		load(at(y, i), v, s)
		VMOVAPD(one, w)
		VFNMADD231PD(half(v, s), half(v, s), half(w, s)) // w = 1 - y·y
		load(at(g, i), v, s)
		VMULPD(half(v, s), half(w, s), half(w, s))
		store(w, at(o, i), s)
	})
}

func genSigmoidBackward() {
	header("sigmoidBackwardAVX2", "func(y, g, out []float64)",
		"sigmoidBackwardAVX2 computes out[j] = fma(-y[j], y[j], y[j])·g[j] over len(out) elements.")
	y := gp(Param("y").Base())
	g := gp(Param("g").Base())
	o := gp(Param("out").Base())
	n := gp(Param("out").Len())
	v, w := YMM(), YMM()
	elementwise("sigbwd", n, func(i GPVirtual, s bool) {
		load(at(y, i), v, s)
		VMOVAPD(v, w)
		VFNMADD231PD(half(v, s), half(v, s), half(w, s)) // w = y - y·y
		load(at(g, i), v, s)
		VMULPD(half(v, s), half(w, s), half(w, s))
		store(w, at(o, i), s)
	})
}

// genGemmRows emits the unpacked kernel of Gemm's small path for rows rows
// of C: A is read through arbitrary strides (one broadcast per element), B
// and C row by row, so neither operand is packed:
//
//	C[r][j] = alpha·Σ_p A[r·ars+p·acs]·B[p·ldb+j] + beta·C[r·ldc+j]
//
// for r < rows, j < n, p < k. Columns go eight at a time (two ymm per row),
// then four, then one (scalar xmm), so nothing past column n is touched.
// C is not read when beta == 0.
func genGemmRows(rows int) {
	name := fmt.Sprintf("gemmRows%dAVX2", rows)
	header(name, "func(k, n int, a []float64, ars, acs int, b []float64, ldb int, c []float64, ldc int, alpha, beta float64)",
		fmt.Sprintf("%s sets C[r][j] = alpha·Σ_p a[r·ars+p·acs]·b[p·ldb+j] + beta·C[r][j] for r < %d, j < n, p < k (C not read when beta == 0).", name, rows))
	ars := gp(Param("ars"))
	SHLQ(U8(3), ars)
	ars3 := GP64()
	LEAQ(Mem{Base: ars, Index: ars, Scale: 2}, ars3)
	acs := gp(Param("acs"))
	SHLQ(U8(3), acs)
	ldb := gp(Param("ldb"))
	SHLQ(U8(3), ldb)
	ldc := gp(Param("ldc"))
	SHLQ(U8(3), ldc)
	bcol := gp(Param("b").Base())
	ccol := gp(Param("c").Base())
	n := gp(Param("n"))
	alpha := broadcastParam("alpha")
	betaX := Load(Param("beta"), XMM())
	beta := YMM()
	VBROADCASTSD(betaX, beta)
	zero := XMM()
	VXORPD(zero, zero, zero)

	// arow returns the address of A[r][p] given ap = &A[0][p].
	arow := func(ap GPVirtual, r int) Mem {
		switch r {
		case 0:
			return Mem{Base: ap}
		case 1:
			return Mem{Base: ap, Index: ars, Scale: 1}
		case 2:
			return Mem{Base: ap, Index: ars, Scale: 2}
		}
		return Mem{Base: ap, Index: ars3, Scale: 1}
	}

	prefix := fmt.Sprintf("rows%d", rows)
	widths := []int{8, 4, 1}
	for wi, w := range widths {
		lbl := fmt.Sprintf("%s_w%d", prefix, w)
		next := prefix + "_done"
		if wi+1 < len(widths) {
			next = fmt.Sprintf("%s_w%d", prefix, widths[wi+1])
		}
		nv := 1
		if w == 8 {
			nv = 2
		}
		acc := make([][]VecVirtual, rows)
		for r := range acc {
			acc[r] = make([]VecVirtual, nv)
			for v := range acc[r] {
				acc[r][v] = YMM()
			}
		}
		// reg picks the ymm register or, for the scalar width, its xmm half.
		reg := func(v VecVirtual) Register {
			if w == 1 {
				return v.AsX()
			}
			return v
		}

		Label(lbl)
		CMPQ(n, U8(w))
		JL(LabelRef(next))
		cnt := gp(Param("k"))
		ap := gp(Param("a").Base())
		bp := GP64()
		MOVQ(bcol, bp)
		for r := range acc {
			for _, v := range acc[r] {
				VXORPD(v, v, v)
			}
		}
		bv := []VecVirtual{YMM(), YMM()}[:nv]
		t := YMM()
		Label(lbl + "_k")
		TESTQ(cnt, cnt)
		JE(LabelRef(lbl + "_store"))
		switch w {
		case 8:
			VMOVUPD(Mem{Base: bp}, bv[0])
			VMOVUPD(Mem{Base: bp, Disp: 32}, bv[1])
		case 4:
			VMOVUPD(Mem{Base: bp}, bv[0])
		default:
			VMOVSD(Mem{Base: bp}, bv[0].AsX())
		}
		for r := range acc {
			if w == 1 {
				VFMADD231SD(arow(ap, r), bv[0].AsX(), acc[r][0].AsX())
				continue
			}
			VBROADCASTSD(arow(ap, r), t)
			for v := range acc[r] {
				VFMADD231PD(bv[v], t, acc[r][v])
			}
		}
		ADDQ(acs, ap)
		ADDQ(ldb, bp)
		DECQ(cnt)
		JMP(LabelRef(lbl + "_k"))

		Label(lbl + "_store")
		for r := range acc {
			for _, v := range acc[r] {
				if w == 1 {
					VMULSD(alpha.AsX(), v.AsX(), v.AsX())
				} else {
					VMULPD(alpha, v, v)
				}
			}
		}
		cp := GP64()
		MOVQ(ccol, cp)
		VUCOMISD(zero, betaX)
		JNE(LabelRef(lbl + "_beta"))
		JP(LabelRef(lbl + "_beta"))
		storeRows := func(withBeta bool) {
			for r := range acc {
				for v, x := range acc[r] {
					m := Mem{Base: cp, Disp: 32 * v}
					if withBeta {
						if w == 1 {
							VFMADD231SD(m, betaX, x.AsX())
						} else {
							VFMADD231PD(m, beta, x)
						}
					}
					if w == 1 {
						VMOVSD(x.AsX(), m)
					} else {
						VMOVUPD(reg(x), m)
					}
				}
				if r+1 < rows {
					ADDQ(ldc, cp)
				}
			}
		}
		storeRows(false)
		JMP(LabelRef(lbl + "_next"))
		Label(lbl + "_beta")
		storeRows(true)
		Label(lbl + "_next")
		ADDQ(U8(8*w), bcol)
		ADDQ(U8(8*w), ccol)
		SUBQ(U8(w), n)
		JMP(LabelRef(lbl))
	}
	Label(prefix + "_done")
	VZEROUPPER()
	RET()
}

// vloop emits a loop over len(dst) elements n: eight at a time (two ymm
// per operand, body called with disp 0 and 32), then four, then one at a
// time with the xmm scalar forms, so nothing past the end is touched.
// body addresses element i+disp/8 of an operand at Mem{Base, Index: i,
// Scale: 8, Disp: disp}.
func vloop(prefix string, n GPVirtual, body func(i GPVirtual, disp int, scalar bool)) {
	i := GP64()
	XORQ(i, i)
	m := GP64()
	MOVQ(n, m)
	ANDQ(I8(-8), m)
	Label(prefix + "_loop8")
	CMPQ(i, m)
	JGE(LabelRef(prefix + "_four"))
	body(i, 0, false)
	body(i, 32, false)
	ADDQ(U8(8), i)
	JMP(LabelRef(prefix + "_loop8"))
	Label(prefix + "_four")
	MOVQ(n, m)
	ANDQ(I8(-4), m)
	CMPQ(i, m)
	JGE(LabelRef(prefix + "_tail"))
	body(i, 0, false)
	ADDQ(U8(4), i)
	Label(prefix + "_tail")
	CMPQ(i, n)
	JGE(LabelRef(prefix + "_done"))
	body(i, 0, true)
	INCQ(i)
	JMP(LabelRef(prefix + "_tail"))
	Label(prefix + "_done")
	VZEROUPPER()
	RET()
}

func atd(base, i GPVirtual, disp int) Mem { return Mem{Base: base, Index: i, Scale: 8, Disp: disp} }

// genBinary emits dst[i] = a[i] op b[i] for a packed/scalar instruction pair.
func genBinary(name, doc string, packed, scalar func(mxy, xy, xy1 Op)) {
	header(name, "func(dst, a, b []float64)", doc)
	d := gp(Param("dst").Base())
	a := gp(Param("a").Base())
	b := gp(Param("b").Base())
	n := gp(Param("dst").Len())
	vloop(name, n, func(i GPVirtual, disp int, s bool) {
		v, w := YMM(), YMM()
		load(atd(a, i, disp), v, s)
		load(atd(b, i, disp), w, s)
		if s {
			scalar(w.AsX(), v.AsX(), v.AsX())
		} else {
			packed(w, v, v)
		}
		store(v, atd(d, i, disp), s)
	})
}

func genVMulAdd() {
	header("vmulAddAVX2", "func(dst, a, b, c []float64)",
		"vmulAddAVX2 sets dst[i] = fma(a[i], b[i], c[i]) over len(dst) elements.")
	d := gp(Param("dst").Base())
	a := gp(Param("a").Base())
	b := gp(Param("b").Base())
	c := gp(Param("c").Base())
	n := gp(Param("dst").Len())
	vloop("vmuladd", n, func(i GPVirtual, disp int, s bool) {
		v, w, u := YMM(), YMM(), YMM()
		load(atd(a, i, disp), v, s)
		load(atd(b, i, disp), w, s)
		load(atd(c, i, disp), u, s)
		if s {
			VFMADD213SD(u.AsX(), w.AsX(), v.AsX()) // v = v·w + u
		} else {
			VFMADD213PD(u, w, v)
		}
		store(v, atd(d, i, disp), s)
	})
}

// genScalarOp emits dst[i] = a[i] op alpha (alpha broadcast).
func genScalarOp(name, doc string, packed, scalar func(mxy, xy, xy1 Op)) {
	header(name, "func(dst []float64, alpha float64, a []float64)", doc)
	alpha := broadcastParam("alpha")
	d := gp(Param("dst").Base())
	a := gp(Param("a").Base())
	n := gp(Param("dst").Len())
	vloop(name, n, func(i GPVirtual, disp int, s bool) {
		v := YMM()
		load(atd(a, i, disp), v, s)
		if s {
			scalar(alpha.AsX(), v.AsX(), v.AsX())
		} else {
			packed(alpha, v, v)
		}
		store(v, atd(d, i, disp), s)
	})
}

// genUnary emits dst[i] = f(a[i]) for an instruction pair taking (a, a).
func genUnary(name, doc string, prep func() VecVirtual, packed, scalar func(mxy, xy, xy1 Op)) {
	header(name, "func(dst, a []float64)", doc)
	var k VecVirtual
	if prep != nil {
		k = prep()
	}
	d := gp(Param("dst").Base())
	a := gp(Param("a").Base())
	n := gp(Param("dst").Len())
	vloop(name, n, func(i GPVirtual, disp int, s bool) {
		v := YMM()
		load(atd(a, i, disp), v, s)
		src := v
		if k != nil {
			src = k
		}
		if s {
			scalar(src.AsX(), v.AsX(), v.AsX())
		} else {
			packed(src, v, v)
		}
		store(v, atd(d, i, disp), s)
	})
}

// broadcastBits returns a ymm register with the 64-bit pattern bits in
// every lane.
func broadcastBits(bits uint64) VecVirtual {
	t := GP64()
	MOVQ(U64(bits), t)
	x := XMM()
	VMOVQ(t, x)
	y := YMM()
	VBROADCASTSD(x, y)
	return y
}

func genElementwise() {
	genBinary("vaddAVX2", "vaddAVX2 sets dst[i] = a[i] + b[i] over len(dst) elements.",
		func(m, x, y Op) { VADDPD(m, x, y) }, func(m, x, y Op) { VADDSD(m, x, y) })
	genBinary("vsubAVX2", "vsubAVX2 sets dst[i] = a[i] - b[i] over len(dst) elements.",
		func(m, x, y Op) { VSUBPD(m, x, y) }, func(m, x, y Op) { VSUBSD(m, x, y) })
	genBinary("vmulAVX2", "vmulAVX2 sets dst[i] = a[i]·b[i] over len(dst) elements.",
		func(m, x, y Op) { VMULPD(m, x, y) }, func(m, x, y Op) { VMULSD(m, x, y) })
	genBinary("vdivAVX2", "vdivAVX2 sets dst[i] = a[i] / b[i] over len(dst) elements.",
		func(m, x, y Op) { VDIVPD(m, x, y) }, func(m, x, y Op) { VDIVSD(m, x, y) })
	genVMulAdd()
	genScalarOp("vscaleAVX2", "vscaleAVX2 sets dst[i] = alpha·a[i] over len(dst) elements.",
		func(m, x, y Op) { VMULPD(m, x, y) }, func(m, x, y Op) { VMULSD(m, x, y) })
	genScalarOp("vaddScalarAVX2", "vaddScalarAVX2 sets dst[i] = a[i] + alpha over len(dst) elements.",
		func(m, x, y Op) { VADDPD(m, x, y) }, func(m, x, y Op) { VADDSD(m, x, y) })
	genUnary("vnegAVX2", "vnegAVX2 sets dst[i] = -a[i] (sign bit flipped) over len(dst) elements.",
		func() VecVirtual { return broadcastBits(1 << 63) },
		func(m, x, y Op) { VXORPD(m, x, y) }, func(m, x, y Op) { VXORPD(m, x, y) })
	genUnary("vsquareAVX2", "vsquareAVX2 sets dst[i] = a[i]·a[i] over len(dst) elements.", nil,
		func(m, x, y Op) { VMULPD(m, x, y) }, func(m, x, y Op) { VMULSD(m, x, y) })
}

// vconst returns a 32-byte read-only constant holding bits in all four
// lanes, declared once per name.
var vconsts = map[string]Mem{}

func vconst(name string, bits uint64) Mem {
	if m, ok := vconsts[name]; ok {
		return m
	}
	m := GLOBL(name, RODATA|NOPTR)
	for i := range 4 {
		DATA(8*i, U64(bits))
	}
	vconsts[name] = m
	return m
}

func fconst(name string, v float64) Mem { return vconst(name, math.Float64bits(v)) }

// loadConst loads a vector constant into a fresh register.
func loadConst(m Mem) VecVirtual {
	r := YMM()
	VMOVUPD(m, r)
	return r
}

// Constants of the vector math, identical to those of vmath_generic.go.
const (
	expClampHi = 720.0
	expClampLo = -760.0
	expLog2e   = 1.44269504088896338700e+00
	expLn2Hi   = 6.93147180369123816490e-01
	expLn2Lo   = 1.90821492927058770002e-10
	expMagic   = 0x1.8p52 + 1023
	tanhSplit  = 0.625
	tanhP0     = -9.64399179425052238628e-1
	tanhP1     = -9.92877231001918586564e1
	tanhP2     = -1.61468768441708447952e3
	tanhQ0     = 1.12811678491632931402e2
	tanhQ1     = 2.23548839060100448583e3
	tanhQ2     = 4.84406305325125486048e3
	logL1      = 6.666666666666735130e-01
	logL2      = 3.999999999940941908e-01
	logL3      = 2.857142874366239149e-01
	logL4      = 2.222219843214978396e-01
	logL5      = 1.818357216161805012e-01
	logL6      = 1.531383769920937332e-01
	logL7      = 1.479819860511658591e-01
)

var expPoly = [...]float64{
	1.0 / 6227020800, 1.0 / 479001600, 1.0 / 39916800, 1.0 / 3628800,
	1.0 / 362880, 1.0 / 40320, 1.0 / 5040, 1.0 / 720,
	1.0 / 120, 1.0 / 24, 1.0 / 6, 1.0 / 2,
}

func cOne() Mem  { return fconst("vm_one", 1) }
func cHalf() Mem { return fconst("vm_half", 0.5) }
func cAbs() Mem  { return vconst("vm_absmask", 1<<63-1) }
func cSign() Mem { return vconst("vm_signmask", 1<<63) }

// emitExp returns a register holding e^x lane by lane (x is not
// modified): the instruction-for-instruction image of expKernel.
func emitExp(x VecVirtual) VecVirtual {
	xc := loadConst(fconst("vm_exp_hi", expClampHi))
	VMINPD(x, xc, xc) // (hi < x) ? hi : x, NaN kept
	cl := loadConst(fconst("vm_exp_lo", expClampLo))
	VMAXPD(xc, cl, xc) // (lo > x) ? lo : x
	k := YMM()
	VMULPD(fconst("vm_exp_log2e", expLog2e), xc, k)
	VROUNDPD(U8(0), k, k) // nearest even
	r1 := xc
	VFNMADD231PD(fconst("vm_exp_ln2hi", expLn2Hi), k, r1) // r1 = x − k·ln2Hi
	r := YMM()
	VMOVAPD(r1, r)
	lo2 := fconst("vm_exp_ln2lo", expLn2Lo)
	VFNMADD231PD(lo2, k, r) // r = r1 − k·ln2Lo
	rlo := YMM()
	VSUBPD(r, r1, rlo)
	VFNMADD231PD(lo2, k, rlo) // rlo = (r1 − r) − k·ln2Lo
	q := loadConst(fconst("vm_exp_c0", expPoly[0]))
	for i, c := range expPoly[1:] {
		VFMADD213PD(fconst(fmt.Sprintf("vm_exp_c%d", i+1), c), r, q) // q = q·r + c
	}
	one := cOne()
	h := YMM()
	VADDPD(one, r, h) // h = 1 + r
	lo := YMM()
	VMOVUPD(one, lo)
	VSUBPD(h, lo, lo)      // 1 − h
	VADDPD(r, lo, lo)      // (1 − h) + r
	VMULPD(r, r, r)        // r²
	VFMADD213PD(lo, r, q)  // q = q·r² + lo
	VFMADD231PD(rlo, h, q) // q = rlo·h + q
	y := q
	VADDPD(h, y, y) // y = h + q
	k1 := YMM()
	VMULPD(cHalf(), k, k1)
	VROUNDPD(U8(1), k1, k1) // floor
	VSUBPD(k1, k, k)        // k2 = k − k1
	magic := fconst("vm_exp_magic", expMagic)
	VADDPD(magic, k1, k1)
	VPSLLQ(U8(52), k1, k1)
	VADDPD(magic, k, k)
	VPSLLQ(U8(52), k, k)
	VMULPD(k1, y, y)
	VMULPD(k, y, y)
	return y
}

// mathLoop emits a loop over len(dst) (a multiple of 4) applying body to
// four elements of x at a time.
func mathLoop(name, doc string, body func(x VecVirtual) VecVirtual) {
	header(name, "func(dst, x []float64)", doc)
	d := gp(Param("dst").Base())
	xp := gp(Param("x").Base())
	n := gp(Param("dst").Len())
	i := GP64()
	XORQ(i, i)
	Label(name + "_loop")
	CMPQ(i, n)
	JGE(LabelRef(name + "_done"))
	x := YMM()
	VMOVUPD(at(xp, i), x)
	y := body(x)
	VMOVUPD(y, at(d, i))
	ADDQ(U8(4), i)
	JMP(LabelRef(name + "_loop"))
	Label(name + "_done")
	VZEROUPPER()
	RET()
}

// emitTanh is the image of tanhKernel: both branches are computed and
// the division shared (numerator and denominator selected first).
func emitTanh(x VecVirtual) VecVirtual {
	a := YMM()
	VANDPD(cAbs(), x, a)
	s := YMM()
	VMULPD(a, a, s)
	p := loadConst(fconst("vm_tanh_p0", tanhP0))
	VFMADD213PD(fconst("vm_tanh_p1", tanhP1), s, p)
	VFMADD213PD(fconst("vm_tanh_p2", tanhP2), s, p)
	q := YMM()
	VADDPD(fconst("vm_tanh_q0", tanhQ0), s, q)
	VFMADD213PD(fconst("vm_tanh_q1", tanhQ1), s, q)
	VFMADD213PD(fconst("vm_tanh_q2", tanhQ2), s, q)
	VMULPD(a, s, s)
	VMULPD(p, s, s) // numerator of the small branch: (a·s)·p
	mask := YMM()
	VCMPPD(U8(0x1e), fconst("vm_tanh_split", tanhSplit), a, mask) // a > split (GT_OQ)
	// When no lane is above the split (the common case in a trained
	// network's hidden layers) exp is skipped: the result is the same.
	bits := GP32()
	VMOVMSKPD(mask, bits)
	TESTL(bits, bits)
	JNZ(LabelRef("tanh_big"))
	VDIVPD(q, s, s)
	VADDPD(s, a, a) // a + t
	JMP(LabelRef("tanh_sign"))
	Label("tanh_big")
	a2 := YMM()
	VADDPD(a, a, a2)
	e := emitExp(a2)
	one := cOne()
	VADDPD(one, e, e) // e + 1
	num := YMM()
	VBLENDVPD(mask, fconst("vm_two", 2), s, num)
	VBLENDVPD(mask, e, q, q)
	VDIVPD(q, num, num) // t
	big := YMM()
	VMOVUPD(one, big)
	VSUBPD(num, big, big) // 1 − t
	VADDPD(num, a, a)     // a + t
	VBLENDVPD(mask, big, a, a)
	Label("tanh_sign")
	VANDPD(cSign(), x, x)
	VORPD(x, a, a)
	return a
}

// emitSigmoid is the image of sigmoidKernel; the sign bit of x drives
// the blends.
func emitSigmoid(x VecVirtual) VecVirtual {
	na := YMM()
	VORPD(cSign(), x, na) // −|x|
	e := emitExp(na)
	one := loadConst(cOne())
	d := YMM()
	VADDPD(e, one, d) // 1 + e
	dlo := YMM()
	VSUBPD(d, one, dlo)
	VADDPD(e, dlo, dlo) // (1 − d) + e
	num := YMM()
	VBLENDVPD(x, e, one, num)
	VDIVPD(d, num, num) // t
	inv := YMM()
	VSUBPD(num, one, inv) // 1 − t
	VBLENDVPD(x, inv, num, inv)
	VMULPD(num, dlo, dlo)       // t·dlo
	VFNMADD231PD(inv, dlo, num) // t − (t·dlo)·inv
	return num
}

// emitLog1p is the image of log1pKernel for u in [0, 1].
func emitLog1p(u VecVirtual) VecVirtual {
	one := loadConst(cOne())
	w := YMM()
	VADDPD(one, u, w) // w = 1 + u
	c := YMM()
	VSUBPD(one, w, c) // w − 1
	VSUBPD(c, u, c)   // c = u − (w − 1)
	VDIVPD(w, c, c)   // c/w
	mask := YMM()
	VCMPPD(U8(0x1e), fconst("vm_sqrt2", math.Sqrt2), w, mask) // w > √2
	k := YMM()
	VANDPD(one, mask, k) // 1 or 0
	m := YMM()
	VMULPD(cHalf(), w, m)
	VBLENDVPD(mask, m, w, m)
	f := m
	VSUBPD(one, f, f) // f = m − 1
	s := YMM()
	VADDPD(fconst("vm_two", 2), f, s)
	VDIVPD(s, f, s) // s = f/(2+f)
	z := YMM()
	VMULPD(s, s, z)
	z2 := YMM()
	VMULPD(z, z, z2)
	t1 := loadConst(fconst("vm_log_l6", logL6))
	VFMADD213PD(fconst("vm_log_l4", logL4), z2, t1)
	VFMADD213PD(fconst("vm_log_l2", logL2), z2, t1)
	VMULPD(z2, t1, t1)
	t2 := loadConst(fconst("vm_log_l7", logL7))
	VFMADD213PD(fconst("vm_log_l5", logL5), z2, t2)
	VFMADD213PD(fconst("vm_log_l3", logL3), z2, t2)
	VFMADD213PD(fconst("vm_log_l1", logL1), z2, t2)
	VMULPD(z, t2, t2)
	VADDPD(t1, t2, t2) // R = t2 + t1
	hfsq := YMM()
	VMULPD(cHalf(), f, hfsq)
	VMULPD(f, hfsq, hfsq) // (0.5·f)·f
	VADDPD(hfsq, t2, t2)  // hfsq + R
	klo := YMM()
	VMULPD(fconst("vm_exp_ln2lo", expLn2Lo), k, klo)
	VFMADD231PD(t2, s, klo) // s·(hfsq+R) + k·ln2Lo
	VSUBPD(klo, hfsq, hfsq) // hfsq − (…)
	VSUBPD(f, hfsq, hfsq)   // (…) − f
	VMULPD(fconst("vm_exp_ln2hi", expLn2Hi), k, k)
	VSUBPD(hfsq, k, k) // k·ln2Hi − (…)
	VADDPD(c, k, k)    // + c/w
	return k
}

func emitSoftplus(x VecVirtual) VecVirtual {
	na := YMM()
	VORPD(cSign(), x, na)
	e := emitExp(na)
	l := emitLog1p(e)
	zero := YMM()
	VXORPD(zero, zero, zero)
	VMAXPD(zero, x, x) // (x > 0) ? x : 0
	VADDPD(l, x, x)    // m + log1p
	return x
}

func genVecMath() {
	mathLoop("vexpAVX2", "vexpAVX2 sets dst[i] = exp(x[i]) (expKernel) over len(dst) elements, a multiple of 4.", emitExp)
	mathLoop("vtanhAVX2", "vtanhAVX2 sets dst[i] = tanh(x[i]) (tanhKernel) over len(dst) elements, a multiple of 4.", emitTanh)
	mathLoop("vsigmoidAVX2", "vsigmoidAVX2 sets dst[i] = 1/(1+exp(-x[i])) (sigmoidKernel) over len(dst) elements, a multiple of 4.", emitSigmoid)
	mathLoop("vsoftplusAVX2", "vsoftplusAVX2 sets dst[i] = log(1+exp(x[i])) (softplusKernel) over len(dst) elements, a multiple of 4.", emitSoftplus)
}
