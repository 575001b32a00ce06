package simd

import "math"

// Pure-Go exp, tanh, sigmoid, softplus and log1p: the Generic level and the
// exact reference of the AVX2 kernels, which evaluate the same expressions
// in the same order (math.FMA where they fuse), lane by lane, so every level
// returns the same bits. Both branches of a piecewise formula are computed
// by the vector code and one is selected; here only the selected one runs.

// Constants of expKernel. The clamp keeps 2^k representable as the
// product of two normal powers of two; beyond it exp is 0 or +Inf anyway.
const (
	expClampHi = 720.0
	expClampLo = -760.0
	expLog2e   = 1.44269504088896338700e+00
	expLn2Hi   = 6.93147180369123816490e-01 // ln 2 with 32 significant bits: k·ln2Hi is exact
	expLn2Lo   = 1.90821492927058770002e-10 // ln 2 − ln2Hi
	// expMagic + k (an integer in [−1023, 1024]) has k+1023 in the low bits.
	expMagic = 0x1.8p52 + 1023
)

// expPoly holds the Taylor coefficients 1/n! of eʳ for n = 13 down to 2:
// on |r| ≤ ln2/2 the truncation error is below 5e-18.
var expPoly = [...]float64{
	1.0 / 6227020800, 1.0 / 479001600, 1.0 / 39916800, 1.0 / 3628800,
	1.0 / 362880, 1.0 / 40320, 1.0 / 5040, 1.0 / 720,
	1.0 / 120, 1.0 / 24, 1.0 / 6, 1.0 / 2,
}

// expKernel returns eˣ: x = k·ln2 + r with k = round(x·log2e), eʳ by its
// Taylor polynomial (summed as (1+r) + (r²q + err(1+r))), then the scaling by 2ᵏ = 2^⌊k/2⌋·2^(k−⌊k/2⌋) as two
// exact multiplications (the second rounds once into the subnormals or to
// +Inf). NaN propagates through the clamp.
func expKernel(x float64) float64 {
	if expClampHi < x {
		x = expClampHi
	}
	if expClampLo > x {
		x = expClampLo
	}
	k := math.RoundToEven(x * expLog2e)
	r1 := math.FMA(-k, expLn2Hi, x) // exact
	r := math.FMA(-k, expLn2Lo, r1)
	rlo := math.FMA(-k, expLn2Lo, r1-r) // r + rlo = r1 − k·ln2Lo to ~2⁻¹⁰⁵
	q := expPoly[0]
	for _, c := range expPoly[1:] {
		q = math.FMA(q, r, c)
	}
	// e^(r+rlo) ≈ (1+r) + (r²q + err(1+r) + rlo·(1+r)), with the rounding
	// error of 1+r exact by Fast2Sum (|r| < 1), so y is rounded about once.
	h := 1 + r
	lo := (1 - h) + r
	y := h + math.FMA(rlo, h, math.FMA(q, r*r, lo))
	k1 := math.Floor(k * 0.5)
	k2 := k - k1
	y *= math.Float64frombits(math.Float64bits(k1+expMagic) << 52)
	y *= math.Float64frombits(math.Float64bits(k2+expMagic) << 52)
	return y
}

// Cody–Waite rational approximation of tanh on |x| ≤ 0.625 (as in the
// standard library): tanh x = x + x·x²·P(x²)/Q(x²).
const (
	tanhSplit = 0.625
	tanhP0    = -9.64399179425052238628e-1
	tanhP1    = -9.92877231001918586564e1
	tanhP2    = -1.61468768441708447952e3
	tanhQ0    = 1.12811678491632931402e2
	tanhQ1    = 2.23548839060100448583e3
	tanhQ2    = 4.84406305325125486048e3
)

const signMask = 1 << 63

// tanhKernel returns tanh x: on a = |x| ≤ 0.625 the rational
// approximation (full relative accuracy near 0), above it
// 1 − 2/(e^{2a}+1); the sign of x is then copied onto the result.
func tanhKernel(x float64) float64 {
	a := math.Abs(x)
	var r float64
	if a > tanhSplit {
		e := expKernel(a + a)
		r = 1 - 2/(e+1)
	} else {
		s := a * a
		p := math.FMA(math.FMA(tanhP0, s, tanhP1), s, tanhP2)
		q := math.FMA(math.FMA(s+tanhQ0, s, tanhQ1), s, tanhQ2)
		r = a + (a*s)*p/q
	}
	return math.Float64frombits(math.Float64bits(r) | math.Float64bits(x)&signMask)
}

// sigmoidKernel returns 1/(1+e⁻ˣ) as 1/(1+e) for x ≥ 0 and e/(1+e) for
// x < 0, with e = e^{−|x|} ≤ 1, so nothing overflows and small results
// keep their relative accuracy.
func sigmoidKernel(x float64) float64 {
	e := expKernel(-math.Abs(x))
	d := 1 + e
	dlo := (1 - d) + e // d + dlo = 1 + e exactly (Fast2Sum, e ≤ 1)
	num := 1.0
	if math.Signbit(x) {
		num = e
	}
	t := num / d
	// num/(d+dlo) ≈ t − t·dlo/d, with 1/d = t for x ≥ 0 and 1 − t for x < 0.
	inv := t
	if math.Signbit(x) {
		inv = 1 - t
	}
	return math.FMA(-t*dlo, inv, t)
}

// softplusKernel returns log(1+eˣ) = max(x, 0) + log1p(e^{−|x|}).
func softplusKernel(x float64) float64 {
	m := 0.0
	if x > 0 {
		m = x
	}
	return m + log1pKernel(expKernel(-math.Abs(x)))
}

// Coefficients of log1p(f) = 2·atanh(s), s = f/(2+f) (FreeBSD's e_log.c,
// as in the standard library).
const (
	logL1 = 6.666666666666735130e-01
	logL2 = 3.999999999940941908e-01
	logL3 = 2.857142874366239149e-01
	logL4 = 2.222219843214978396e-01
	logL5 = 1.818357216161805012e-01
	logL6 = 1.531383769920937332e-01
	logL7 = 1.479819860511658591e-01
)

// log1pKernel returns log(1+u) for u in [0, 1] (NaN propagates): w = 1+u
// rounded, with the rounding error c = u − (w−1) (exact) added back as
// c/w; log w = k·ln2 + log1p(f) with w = 2ᵏ(1+f), k ∈ {0, 1}, 1+f ∈
// [√2/2, √2].
func log1pKernel(u float64) float64 {
	w := 1 + u
	c := u - (w - 1)
	k, m := 0.0, w
	if w > math.Sqrt2 {
		k, m = 1, w*0.5
	}
	f := m - 1
	s := f / (2 + f)
	z := s * s
	z2 := z * z
	t1 := z2 * math.FMA(z2, math.FMA(z2, logL6, logL4), logL2)
	t2 := z * math.FMA(z2, math.FMA(z2, math.FMA(z2, logL7, logL5), logL3), logL1)
	hfsq := (0.5 * f) * f
	lg := k*expLn2Hi - ((hfsq - math.FMA(s, hfsq+(t2+t1), k*expLn2Lo)) - f)
	return lg + c/w
}
