package simd

import (
	"math"
	"math/big"
)

// High-precision references (200-bit big.Float) for measuring the true
// error of the vector math in ulps.

const refPrec = 200

func bf(x float64) *big.Float { return new(big.Float).SetPrec(refPrec).SetFloat64(x) }

var bigLn2 = func() *big.Float {
	// ln 2 = Σ_{k≥1} 1/(k·2ᵏ)
	s := bf(0)
	for k := 1; k < 260; k++ {
		t := bf(1)
		t.SetMantExp(t, -k)
		t.Quo(t, bf(float64(k)))
		s.Add(s, t)
	}
	return s
}()

// bigExp returns eˣ: x = k·ln2 + r, eʳ by Taylor series of r/2¹⁶ squared
// sixteen times.
func bigExp(x *big.Float) *big.Float {
	q := new(big.Float).SetPrec(refPrec).Quo(x, bigLn2)
	kf, _ := q.Float64()
	k := math.Round(kf)
	r := new(big.Float).SetPrec(refPrec).Mul(bf(k), bigLn2)
	r.Sub(x, r)
	r.SetMantExp(r, -16)
	sum, term := bf(1), bf(1)
	for n := 1; n < 30; n++ {
		term.Mul(term, r)
		term.Quo(term, bf(float64(n)))
		sum.Add(sum, term)
	}
	for range 16 {
		sum.Mul(sum, sum)
	}
	return sum.SetMantExp(sum, int(k))
}

// bigLog returns log y (y > 0) by Newton's iteration on exp from the
// float64 logarithm.
func bigLog(y *big.Float) *big.Float {
	mant := new(big.Float)
	e := y.MantExp(mant)
	m64, _ := mant.Float64()
	z := bf(math.Log(m64) + float64(e)*math.Ln2)
	for range 4 {
		ez := bigExp(z)
		num := new(big.Float).SetPrec(refPrec).Sub(y, ez)
		den := new(big.Float).SetPrec(refPrec).Add(y, ez)
		num.Quo(num, den)
		num.Add(num, num)
		z.Add(z, num)
	}
	return z
}

func refExp(x float64) *big.Float { return bigExp(bf(x)) }

func refTanh(x float64) *big.Float {
	if math.Abs(x) < 1e-20 {
		return bf(x)
	}
	e := bigExp(bf(2 * x))
	num := new(big.Float).SetPrec(refPrec).Sub(e, bf(1))
	den := new(big.Float).SetPrec(refPrec).Add(e, bf(1))
	return num.Quo(num, den)
}

func refSigmoid(x float64) *big.Float {
	e := bigExp(bf(-x))
	e.Add(e, bf(1))
	return new(big.Float).SetPrec(refPrec).Quo(bf(1), e)
}

func refSoftplus(x float64) *big.Float {
	if x < -60 { // log(1+u) = u − u²/2 + … with u < 1e-26
		u := bigExp(bf(x))
		u2 := new(big.Float).SetPrec(refPrec).Mul(u, u)
		u2.SetMantExp(u2, -1)
		return u.Sub(u, u2)
	}
	e := bigExp(bf(x))
	e.Add(e, bf(1))
	return bigLog(e)
}

// ulpError returns |got − ref| in units of the last place of the float64
// nearest ref (the subnormal spacing at the bottom); results that overflow
// must be +Inf, and NaN is never right.
func ulpError(got float64, ref *big.Float) float64 {
	r64, _ := ref.Float64()
	if math.IsInf(r64, 0) {
		if got == r64 {
			return 0
		}
		return math.Inf(1)
	}
	if math.IsNaN(got) || math.IsInf(got, 0) {
		return math.Inf(1)
	}
	ulp := math.Abs(math.Nextafter(r64, math.Inf(1)) - r64)
	if a := math.Abs(r64); a > 0 {
		// The spacing below a power of two is half the spacing above it.
		ulp = math.Min(ulp, math.Abs(r64-math.Nextafter(r64, 0)))
		if ulp == 0 {
			ulp = 5e-324
		}
	} else {
		ulp = 5e-324
	}
	d := new(big.Float).SetPrec(refPrec).Sub(bf(got), ref)
	d.Abs(d)
	d.Quo(d, bf(ulp))
	v, _ := d.Float64()
	return v
}
