// Package xmath holds elementary functions that nodekit needs to be
// correctly rounded, where the standard library's are only faithful.
//
// Pow exists because Hairer's step-size controller calls pow twice per
// step: with a pow that differs in the last bit (as math.Pow does from
// glibc's in about a fifth of the controller's calls), a chaotic problem
// takes a different step sequence than the reference codes. A correctly
// rounded pow agrees with every correctly rounded implementation, and so
// with glibc's in all but its rare misroundings (about 0.1% of inputs).
package xmath

//go:generate go test -run TestTablesUpToDate -update

import (
	"math"
	"math/big"
	"sync"
)

// Pow returns x**y correctly rounded (to nearest, ties to even) for
// finite x > 0 and finite y whose result is a normal number; every other
// case is math.Pow's.
//
// The fast path computes log x and exp in double-double arithmetic
// (relative error below 2⁻⁷⁷(1+|y|)) with 128-entry tables; when that cannot
// decide the rounding (Ziv's test), a 240-bit math/big evaluation does.
func Pow(x, y float64) float64 {
	return LogOf(x).Pow(y)
}

// Log is log x held in double-double precision, so that several powers
// of the same x cost one logarithm: LogOf(x).Pow(y) == Pow(x, y).
type Log struct {
	x, hi, lo float64
	ok        bool // x is finite, normal and positive
}

// LogOf returns log x for later Pow calls.
func LogOf(x float64) Log {
	if !(x > 0) || x > math.MaxFloat64 || x < 0x1p-1022 {
		return Log{x: x}
	}
	hi, lo := logDD(x)
	return Log{x: x, hi: hi, lo: lo, ok: true}
}

// Pow returns x**y correctly rounded, as the package-level Pow.
func (l Log) Pow(y float64) float64 {
	if !l.ok || y == 0 || y == 1 || math.IsInf(y, 0) || math.IsNaN(y) {
		return math.Pow(l.x, y)
	}
	zh := y * l.hi
	zl := math.FMA(y, l.hi, -zh) + y*l.lo
	if !(zh > -708 && zh < 709) { // the result may overflow or be subnormal
		return math.Pow(l.x, y)
	}
	r, rl, scale := expDD(zh, zl)
	// Ziv: accept when the error bound cannot change the rounding.
	eps := math.Abs(r) * fastBound * (1 + math.Abs(y))
	a, b := r+(rl+eps), r+(rl-eps)
	if a == b {
		return a * scale
	}
	return powSlow(l.x, y)
}

// 1/3 and 1/6 as double-doubles, and the rounding shifter.
const (
	third      = 0x1.5555555555555p-2
	thirdLo    = 0x1.5555555555555p-56
	sixth      = 0x1.5555555555555p-3
	sixthLo    = 0x1.5555555555555p-57
	roundShift = 0x1.8p52
)

// fastBound bounds the fast path's relative error divided by 1+|y|: log's
// absolute error (about 2⁻⁸⁶) is scaled by y, exp adds about 2⁻⁸⁶.
// TestFastPathErrorBound checks a margin of four below it.
const fastBound = 0x1p-82

const (
	tableBits = 7
	tableN    = 1 << tableBits
	// ln2Hi has trailing zeros so that k·ln2Hi is exact for |k| < 2¹².
	ln2Hi = 0x1.62e42fefa3p-1
	ln2Lo = 0x1.3de6af278ece6p-42
	// expC1 = ln2/128 with trailing zeros (k·expC1 exact for |k| < 2²⁰),
	// expC2 the rest.
	expC1 = 0x1.62e42fefp-8
	expC2 = 0x1.473de6af278edp-41
	expC3 = -0x1.9ff0342542fc3p-97
)

type logEntry struct{ invc, logcHi, logcLo float64 }
type expEntry struct{ hi, lo float64 }

// computeTables computes (for tables.go, see tables_test.go), in 240-bit
// arithmetic, for c_i = 1 + (i+½)/128
// invc_i = fl(1/c_i) and −log(invc_i) as a double-double, and 2^(j/128)
// as a double-double.
func computeTables() (logTab [tableN]logEntry, expTab [tableN]expEntry) {
	for i := range logTab {
		c := 1 + (float64(i)+0.5)/tableN
		invc := 1 / c
		l := bigLog(newBig(invc))
		l.Neg(l)
		hi, lo := splitBig(l)
		logTab[i] = logEntry{invc, hi, lo}
	}
	ln2 := bigLn2()
	for j := range expTab {
		z := newBig(float64(j) / tableN)
		z.Mul(z, ln2)
		hi, lo := splitBig(bigExp(z))
		expTab[j] = expEntry{hi, lo}
	}
	return logTab, expTab
}

func twoSum(a, b float64) (s, e float64) {
	s = a + b
	bb := s - a
	e = (a - (s - bb)) + (b - bb)
	return s, e
}

// logDD returns log x as hi + lo for finite normal x > 0.
func logDD(x float64) (hi, lo float64) {
	bits := math.Float64bits(x)
	k := int(bits>>52) - 1023
	m := math.Float64frombits(bits&(1<<52-1) | 1023<<52) // [1, 2)
	t := &logTab[(bits>>(52-tableBits))&(tableN-1)]
	// 1 + r = m·invc exactly as ph + pl; |r| < 2⁻⁸
	ph := m * t.invc
	pl := math.FMA(m, t.invc, -ph)
	// r = (ph − 1) + pl, renormalised so that |rl| ≤ ulp(rh)/2
	rh, rl := twoSum(ph-1, pl) // ph − 1 is exact (Sterbenz)
	s := rh * rh
	se := math.FMA(rh, rh, -s)
	// rh³/3 in double-double: rh³ = p3 + p3e, then an exact division
	// remainder; the rest of the series (≤ 2⁻³⁴) in double.
	p3 := rh * s
	p3e := math.FMA(rh, s, -p3) + rh*se
	// ·(1/3) as a double-double product (no division on the critical path)
	t3 := p3 * third
	t3e := math.FMA(p3, third, -t3) + p3*thirdLo + p3e*third
	// Estrin's scheme: shorter dependency chains than Horner's
	s2 := s * s
	t4 := s2 * ((-1.0/4 + rh*(1.0/5)) + s*(-1.0/6+rh*(1.0/7)) + s2*((-1.0/8+rh*(1.0/9))+s*(-1.0/10)))
	a, ae := twoSum(rh, -0.5*s)
	a, a3e := twoSum(a, t3)
	// log(1+rh+rl) = log(1+rh) + rl·(1 − rh + rh²) + O(rl·rh³)
	low := ae + a3e - 0.5*se + t3e + t4 + rl*(1-rh+s)
	kf := float64(k)
	bh, be := twoSum(kf*ln2Hi, t.logcHi)
	bl := be + kf*ln2Lo + t.logcLo
	h, he := twoSum(bh, a)
	l := he + bl + low
	hi = h + l
	lo = l - (hi - h)
	return hi, lo
}

// expDD returns exp(zh + zl) as (r + rl)·scale, scale a power of two.
func expDD(zh, zl float64) (r, rl, scale float64) {
	// round to an integer by adding and removing 1.5·2⁵²
	kk := zh*(tableN/math.Ln2) + roundShift - roundShift
	ki := int(kk)
	// r = zh + zl − kk·ln2/128, renormalised so that |rlo| ≤ ulp(rh)/2
	// r = zh − kk·expC1 (exact) − kk·expC2 (as kc + kce) − kk·expC3 + zl,
	// summed so that no rounding touches the leading 2⁻⁶⁰ of r
	kc := kk * expC2
	kce := math.FMA(kk, expC2, -kc) + kk*expC3
	s1, e1 := twoSum(zh-kk*expC1, -kc)
	rh, rlo := twoSum(s1, e1+zl-kce)
	s := rh * rh
	se := math.FMA(rh, rh, -s)
	// rh³/6 in double-double, the rest of the series (≤ 2⁻³⁶) in double
	p3 := rh * s
	p3e := math.FMA(rh, s, -p3) + rh*se
	t3 := p3 * sixth
	t3e := math.FMA(p3, sixth, -t3) + p3*sixthLo + p3e*sixth
	t4 := s * s * ((1.0/24 + rh*(1.0/120)) + s*((1.0/720+rh*(1.0/5040))+s*(1.0/40320)))
	pa, pae := twoSum(rh, 0.5*s)
	pa, pa3e := twoSum(pa, t3)
	// exp(rh+rlo) = exp(rh)·(1 + rlo + …): rlo·(1 + rh + rh²/2)
	pl := pae + pa3e + 0.5*se + t3e + t4 + rlo*(1+rh+0.5*s)
	t := &expTab[ki&(tableN-1)]
	u := t.hi * pa
	ue := math.FMA(t.hi, pa, -u)
	r, re := twoSum(t.hi, u)
	rl = re + (ue + t.hi*pl + t.lo + t.lo*pa)
	scale = math.Float64frombits(uint64(1023+(ki>>tableBits)) << 52)
	return r, rl, scale
}

// The slow path: 240-bit arithmetic with math/big.

const bigPrec = 240

func newBig(x float64) *big.Float { return new(big.Float).SetPrec(bigPrec).SetFloat64(x) }

func splitBig(v *big.Float) (hi, lo float64) {
	hi, _ = v.Float64()
	r := new(big.Float).SetPrec(bigPrec).Sub(v, newBig(hi))
	lo, _ = r.Float64()
	return hi, lo
}

var (
	ln2Once sync.Once
	ln2Big  *big.Float
)

// bigLn2 is ln 2 = Σ 1/(k·2^k).
func bigLn2() *big.Float {
	ln2Once.Do(func() {
		sum := newBig(0)
		pow := newBig(0.5)
		for k := 1; k <= bigPrec+10; k++ {
			term := new(big.Float).SetPrec(bigPrec).Quo(pow, newBig(float64(k)))
			sum.Add(sum, term)
			pow.Mul(pow, newBig(0.5))
		}
		ln2Big = sum
	})
	return ln2Big
}

// bigLog returns log v for v > 0: v = 2^k·m with m in [√½, √2), and
// log m = 2·atanh((m−1)/(m+1)).
func bigLog(v *big.Float) *big.Float {
	m := new(big.Float).SetPrec(bigPrec)
	k := v.MantExp(m) // v = m·2^k, m in [½, 1)
	if m.Cmp(newBig(math.Sqrt2/2)) < 0 {
		m.SetMantExp(m, 1)
		k--
	}
	num := new(big.Float).SetPrec(bigPrec).Sub(m, newBig(1))
	den := new(big.Float).SetPrec(bigPrec).Add(m, newBig(1))
	s := num.Quo(num, den)
	s2 := new(big.Float).SetPrec(bigPrec).Mul(s, s)
	sum := new(big.Float).SetPrec(bigPrec)
	pow := new(big.Float).SetPrec(bigPrec).Set(s)
	eps := newBig(0x1p-250)
	for j := 1; ; j += 2 {
		term := new(big.Float).SetPrec(bigPrec).Quo(pow, newBig(float64(j)))
		sum.Add(sum, term)
		if term.Abs(term).Cmp(eps) < 0 {
			break
		}
		pow.Mul(pow, s2)
	}
	sum.Mul(sum, newBig(2))
	kl := new(big.Float).SetPrec(bigPrec).Mul(newBig(float64(k)), bigLn2())
	return sum.Add(sum, kl)
}

// bigExp returns e^z: z = n·ln2 + r, e^r by Taylor series on r/2^16
// squared 16 times.
func bigExp(z *big.Float) *big.Float {
	ln2 := bigLn2()
	zf, _ := z.Float64()
	n := math.Round(zf / math.Ln2)
	r := new(big.Float).SetPrec(bigPrec).Mul(newBig(n), ln2)
	r.Sub(z, r)
	const sq = 16
	r.SetMantExp(r, -sq)
	sum := newBig(1)
	term := newBig(1)
	eps := newBig(0x1p-260)
	for j := 1; ; j++ {
		term.Mul(term, r)
		term.Quo(term, newBig(float64(j)))
		sum.Add(sum, term)
		if new(big.Float).Abs(term).Cmp(eps) < 0 {
			break
		}
	}
	for range sq {
		sum.Mul(sum, sum)
	}
	return sum.SetMantExp(sum, int(n))
}

func powSlow(x, y float64) float64 {
	z := bigLog(newBig(x))
	z.Mul(z, newBig(y))
	v, _ := bigExp(z).Float64()
	return v
}
