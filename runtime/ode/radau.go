package ode

import "math"

// Radau IIA of order 5 (three stages), after Hairer & Wanner's RADAU5
// (Solving ODEs II, §IV.8): simplified Newton iterations on the stage
// increments transformed by T⁻¹ so that one real and one complex n×n
// system are solved per iteration; the Jacobian is reused while Newton
// contracts fast; Gustafsson's predictive step-size control; the
// collocation polynomial as dense output and as the Newton predictor.

func init() {
	register(MethodInfo{Name: "radau5", Order: 5, Stiff: true,
		Description: "Radau IIA order 5 (Hairer's RADAU5): implicit, L-stable, collocation dense output",
		newStepper:  func(n int) stepper { return newRadau5(n) }})
}

// RADAU5 constants.
var (
	radSq6  = math.Sqrt(6)
	radC1   = (4 - radSq6) / 10
	radC2   = (4 + radSq6) / 10
	radC1m1 = radC1 - 1
	radC2m1 = radC2 - 1
	radC1c2 = radC1 - radC2
	radDD1  = -(13 + 7*radSq6) / 3
	radDD2  = (-13 + 7*radSq6) / 3
	radDD3  = -1.0 / 3
	// eigenvalues of A⁻¹: u1 (real), alph ± i·beta
	radU1, radAlph, radBeta = func() (u1, al, be float64) {
		c81, c9 := math.Cbrt(81), math.Cbrt(9)
		u1 = (6 + c81 - c9) / 30
		al = (12 - c81 + c9) / 60
		be = (c81 + c9) * math.Sqrt(3) / 60
		cno := al*al + be*be
		return 1 / u1, al / cno, be / cno
	}()
)

const (
	radT11  = 9.1232394870892942792e-02
	radT12  = -0.14125529502095420843
	radT13  = -3.0029194105147424492e-02
	radT21  = 0.24171793270710701896
	radT22  = 0.20412935229379993199
	radT23  = 0.38294211275726193779
	radT31  = 0.96604818261509293619
	radTI11 = 4.3255798900631553510
	radTI12 = 0.33919925181580986954
	radTI13 = 0.54177053993587487119
	radTI21 = -4.1787185915519047273
	radTI22 = -0.32768282076106238708
	radTI23 = 0.47662355450055045196
	radTI31 = -0.50287263494578687595
	radTI32 = 2.5719269498556054292
	radTI33 = -0.59603920482822492497

	radNit     = 7     // Newton iterations per step
	radThet    = 0.001 // recompute the Jacobian when Newton contracts slower
	radSafe    = 0.9
	radFacL    = 5.0   // hnew/h ≥ 1/5
	radFacR    = 0.125 // hnew/h ≤ 8
	radQuot1   = 1.0   // keep h (and the LU) when hnew/h ∈ [quot1, quot2]
	radQuot2   = 1.2
	radMaxFail = 15 // consecutive Newton failures before ErrNoConvergence
)

type radau5 struct {
	p  *problem
	n  int
	je *jacobianEval

	J    []float64
	E1   []float64
	piv1 []int
	E2   []complex128
	piv2 []int
	cb   []complex128

	f0                     []float64 // f(t, y) at the step's start
	z1, z2, z3, f1, f2, f3 []float64
	tmp, scal              []float64
	atol                   []float64 // Hairer's transformed tolerances
	rtol, fnewt            float64

	f0Valid bool
	needJac bool    // the Jacobian must be (re)computed at the step's start
	calJac  bool    // the Jacobian was computed at the current point
	luH     float64 // step size of the factorisations; 0 = none

	first, reject bool
	faccon, theta float64
	naccept       int
	hacc, erracc  float64
	nsing, nfail  int

	// fixedStep accepts every step and keeps h (tests measure the order of
	// the method itself this way, with tight Newton tolerances).
	fixedStep bool

	// dense output: y(tEnd + s·hOld) = yEnd + s(c1 + (s−c2+1)(c2' + (s−c1+1)c3))
	tEnd, hOld          float64
	yEnd, ct1, ct2, ct3 []float64
	haveCont            bool
}

func newRadau5(n int) *radau5 {
	r := &radau5{n: n, je: newJacobianEval(n)}
	r.J = make([]float64, n*n)
	r.E1 = make([]float64, n*n)
	r.piv1 = make([]int, n)
	r.E2 = make([]complex128, n*n)
	r.piv2 = make([]int, n)
	r.cb = make([]complex128, n)
	vec := func() []float64 { return make([]float64, n) }
	r.f0, r.z1, r.z2, r.z3, r.f1, r.f2, r.f3 = vec(), vec(), vec(), vec(), vec(), vec(), vec()
	r.tmp, r.scal, r.atol = vec(), vec(), vec()
	r.yEnd, r.ct1, r.ct2, r.ct3 = vec(), vec(), vec(), vec()
	return r
}

func (r *radau5) init(p *problem, t0 float64, y0 []float64) (float64, error) {
	r.p = p
	r.je.bind(p.sys)
	// RADAU5's error estimate is of order 3: Hairer runs it at
	// rtol' = 0.1·rtol^(2/3) so that the results match what users expect
	// of the tolerance.
	r.rtol = 0.1 * math.Pow(p.opt.rtol, 2.0/3)
	for i, a := range p.opt.atol {
		r.atol[i] = a * r.rtol / p.opt.rtol
	}
	r.fnewt = math.Max(10*uround/r.rtol, math.Min(0.03, math.Sqrt(r.rtol)))
	r.first, r.reject = true, false
	r.faccon, r.theta = 1, radThet
	r.naccept, r.nsing, r.nfail = 0, 0, 0
	r.needJac, r.calJac, r.luH = true, false, 0
	r.haveCont = false
	r.tEnd, r.hOld = t0, 0
	copy(r.yEnd, y0)
	p.fcall(t0, y0, r.f0)
	r.f0Valid = true
	if h := p.opt.FirstStep; h > 0 {
		return p.dir * math.Min(h, p.hmax), nil
	}
	return initialStep(p, t0, y0, r.f0, 5, r.tmp, r.f1), nil
}

// factor forms E1 = u1/h·I − J and E2 = (α + iβ)/h·I − J and factorises
// both (counted as one decomposition, as Hairer's NDEC).
func (r *radau5) factor(h float64) bool {
	n := r.n
	fac1 := radU1 / h
	alphn, betan := radAlph/h, radBeta/h
	for i, v := range r.J {
		r.E1[i] = -v
		r.E2[i] = complex(-v, 0)
	}
	for i := 0; i < n; i++ {
		r.E1[i*n+i] += fac1
		r.E2[i*n+i] += complex(alphn, betan)
	}
	r.p.stats.NLU++
	return luFactor(r.E1, n, r.piv1) && luFactorC(r.E2, n, r.piv2)
}

// solveComplex solves E2 (a + i·b) = a + i·b in place.
func (r *radau5) solveComplex(a, b []float64) {
	for i := range a {
		r.cb[i] = complex(a[i], b[i])
	}
	luSolveC(r.E2, r.n, r.piv2, r.cb)
	for i, v := range r.cb {
		a[i], b[i] = real(v), imag(v)
	}
}

// unexpected handles a singular matrix or a failed Newton iteration:
// halve h (Hairer's label 78), refreshing the Jacobian if it is old.
func (r *radau5) unexpected(h float64, singular bool) (bool, float64, error) {
	r.p.stats.Rejected++
	if singular {
		r.nsing++
		if r.nsing >= maxSing {
			return false, h, ErrSingular
		}
	} else {
		r.nfail++
		if r.nfail >= radMaxFail {
			return false, h, ErrNoConvergence
		}
	}
	r.reject = true
	r.luH = 0
	if !r.calJac {
		r.needJac = true
	}
	return false, 0.5 * h, nil
}

func (r *radau5) step(t float64, y []float64, h float64, ynew []float64) (bool, float64, error) {
	p, n := r.p, r.n
	if !r.f0Valid {
		p.fcall(t, y, r.f0)
		r.f0Valid = true
	}
	if r.needJac {
		r.je.jac(p, t, y, r.f0, r.J)
		r.needJac, r.calJac, r.luH = false, true, 0
	}
	if h != r.luH {
		if !r.factor(h) {
			return r.unexpected(h, true)
		}
		r.luH = h
	}
	r.nsing = 0
	for i := range r.scal {
		r.scal[i] = r.atol[i] + r.rtol*math.Abs(y[i])
	}
	z1, z2, z3, f1, f2, f3 := r.z1, r.z2, r.z3, r.f1, r.f2, r.f3

	// starting values: the last collocation polynomial, extrapolated
	if r.first || !r.haveCont {
		for i := 0; i < n; i++ {
			z1[i], z2[i], z3[i], f1[i], f2[i], f3[i] = 0, 0, 0, 0, 0, 0
		}
	} else {
		c3q := h / r.hOld
		c1q, c2q := radC1*c3q, radC2*c3q
		for i := 0; i < n; i++ {
			ak1, ak2, ak3 := r.ct1[i], r.ct2[i], r.ct3[i]
			z1i := c1q * (ak1 + (c1q-radC2m1)*(ak2+(c1q-radC1m1)*ak3))
			z2i := c2q * (ak1 + (c2q-radC2m1)*(ak2+(c2q-radC1m1)*ak3))
			z3i := c3q * (ak1 + (c3q-radC2m1)*(ak2+(c3q-radC1m1)*ak3))
			z1[i], z2[i], z3[i] = z1i, z2i, z3i
			f1[i] = radTI11*z1i + radTI12*z2i + radTI13*z3i
			f2[i] = radTI21*z1i + radTI22*z2i + radTI23*z3i
			f3[i] = radTI31*z1i + radTI32*z2i + radTI33*z3i
		}
	}

	// simplified Newton iteration
	fac1 := radU1 / h
	alphn, betan := radAlph/h, radBeta/h
	r.faccon = math.Pow(math.Max(r.faccon, uround), 0.8)
	r.theta = radThet
	var dynold, thqold float64
	newt := 0
	tmp := r.tmp
	for {
		if newt >= radNit {
			return r.unexpected(h, false)
		}
		for i := range tmp {
			tmp[i] = y[i] + z1[i]
		}
		p.fcall(t+radC1*h, tmp, z1)
		for i := range tmp {
			tmp[i] = y[i] + z2[i]
		}
		p.fcall(t+radC2*h, tmp, z2)
		for i := range tmp {
			tmp[i] = y[i] + z3[i]
		}
		p.fcall(t+h, tmp, z3)
		for i := 0; i < n; i++ {
			a1, a2, a3 := z1[i], z2[i], z3[i]
			s2, s3 := -f2[i], -f3[i]
			z1[i] = -f1[i]*fac1 + radTI11*a1 + radTI12*a2 + radTI13*a3
			z2[i] = s2*alphn - s3*betan + radTI21*a1 + radTI22*a2 + radTI23*a3
			z3[i] = s3*alphn + s2*betan + radTI31*a1 + radTI32*a2 + radTI33*a3
		}
		luSolve(r.E1, n, r.piv1, z1)
		r.solveComplex(z2, z3)
		newt++
		dyno := 0.0
		for i := 0; i < n; i++ {
			s := r.scal[i]
			a, b, c := z1[i]/s, z2[i]/s, z3[i]/s
			dyno += a*a + b*b + c*c
		}
		dyno = math.Sqrt(dyno / float64(3*n))
		if math.IsNaN(dyno) || math.IsInf(dyno, 0) {
			return r.unexpected(h, false)
		}
		if newt >= 2 && newt < radNit {
			thq := dyno / dynold
			if newt == 2 {
				r.theta = thq
			} else {
				r.theta = math.Sqrt(thq * thqold)
			}
			thqold = thq
			if r.theta < 0.99 {
				r.faccon = r.theta / (1 - r.theta)
				dyth := r.faccon * dyno * math.Pow(r.theta, float64(radNit-1-newt)) / r.fnewt
				if dyth >= 1 && !r.fixedStep {
					// convergence too slow for this h: retry smaller
					qnewt := math.Max(1e-4, math.Min(20, dyth))
					hhfac := 0.8 * math.Pow(qnewt, -1/(4+float64(radNit-1-newt)))
					p.stats.Rejected++
					r.reject = true
					if !r.calJac {
						r.needJac = true
					}
					return false, hhfac * h, nil
				}
			} else {
				return r.unexpected(h, false)
			}
		}
		dynold = math.Max(dyno, uround)
		for i := 0; i < n; i++ {
			f1[i] += z1[i]
			f2[i] += z2[i]
			f3[i] += z3[i]
			f1i, f2i, f3i := f1[i], f2[i], f3[i]
			z1[i] = radT11*f1i + radT12*f2i + radT13*f3i
			z2[i] = radT21*f1i + radT22*f2i + radT23*f3i
			z3[i] = radT31*f1i + f2i
		}
		if r.faccon*dyno <= r.fnewt {
			break
		}
	}
	r.nfail = 0

	// error estimate (Hairer's ESTRAD): (I/(h·γ0) − J)⁻¹ (f0 + Σ e_i z_i/h)
	hee1, hee2, hee3 := radDD1/h, radDD2/h, radDD3/h
	for i := 0; i < n; i++ {
		f2[i] = hee1*z1[i] + hee2*z2[i] + hee3*z3[i]
		tmp[i] = f2[i] + r.f0[i]
	}
	luSolve(r.E1, n, r.piv1, tmp)
	err := r.errNorm(tmp)
	if err >= 1 && (r.first || r.reject) {
		// filter once more through the matrix (Hairer: avoids a useless
		// rejection when the estimate is dominated by stiff components)
		for i := range tmp {
			tmp[i] += y[i]
		}
		p.fcall(t, tmp, f1)
		for i := range tmp {
			tmp[i] = f1[i] + f2[i]
		}
		luSolve(r.E1, n, r.piv1, tmp)
		err = r.errNorm(tmp)
	}
	if r.fixedStep {
		err = 1e-10
	}
	if math.IsNaN(err) || math.IsInf(err, 0) {
		return r.unexpected(h, false)
	}

	fac := math.Min(radSafe, radSafe*(1+2*radNit)/float64(newt+2*radNit))
	quot := math.Max(radFacR, math.Min(radFacL, math.Pow(err, 0.25)/fac))
	hnew := h / quot
	if err >= 1 {
		p.stats.Rejected++
		r.reject = true
		if r.first {
			hnew = 0.1 * h
		}
		if !r.calJac {
			r.needJac = true
		}
		return false, hnew, nil
	}

	// accepted
	if r.naccept > 0 {
		facgus := (r.hacc / h) * math.Pow(err*err/r.erracc, 0.25) / radSafe
		facgus = math.Max(radFacR, math.Min(radFacL, facgus))
		quot = math.Max(quot, facgus)
		hnew = h / quot
	}
	r.hacc = h
	r.erracc = math.Max(1e-2, err)
	r.first = false
	r.naccept++
	p.stats.Accepted++
	for i := 0; i < n; i++ {
		ynew[i] = y[i] + z3[i]
		z1i, z2i := z1[i], z2[i]
		c1 := (z2i - z3[i]) / radC2m1
		ak := (z1i - z2i) / radC1c2
		acont3 := (ak - z1i/radC1) / radC2
		c2 := (ak - c1) / radC1m1
		r.ct1[i], r.ct2[i], r.ct3[i] = c1, c2, c2-acont3
	}
	copy(r.yEnd, ynew)
	r.tEnd, r.hOld = t+h, h
	r.haveCont = true
	r.f0Valid = false
	r.calJac = false

	if math.Abs(hnew) > p.hmax {
		hnew = p.dir * p.hmax
	}
	if r.reject {
		hnew = p.dir * math.Min(math.Abs(hnew), math.Abs(h))
	}
	r.reject = false
	if r.fixedStep {
		hnew = h
	}
	if qt := hnew / h; r.theta <= radThet && qt >= radQuot1 && qt <= radQuot2 {
		hnew = h // keep h and the factorisations
	}
	r.needJac = r.theta > radThet
	return true, hnew, nil
}

// errNorm is the RMS of e/scal over the error-controlled components.
func (r *radau5) errNorm(e []float64) float64 {
	nd := r.p.opt.normDims
	s := 0.0
	for i := 0; i < nd; i++ {
		v := e[i] / r.scal[i]
		s += v * v
	}
	return math.Max(math.Sqrt(s/float64(nd)), 1e-10)
}

func (r *radau5) interp(t float64, out []float64) {
	radauDense((t-r.tEnd)/r.hOld, r.yEnd, r.ct1, r.ct2, r.ct3, out)
}

func radauDense(s float64, y, c1, c2, c3, out []float64) {
	for i := range out {
		out[i] = y[i] + s*(c1[i]+(s-radC2m1)*(c2[i]+(s-radC1m1)*c3[i]))
	}
}

// appendDense stores [tEnd, hOld, yEnd, c1, c2, c3].
func (r *radau5) appendDense(buf []float64) []float64 {
	buf = append(buf, r.tEnd, r.hOld)
	buf = append(buf, r.yEnd...)
	buf = append(buf, r.ct1...)
	buf = append(buf, r.ct2...)
	return append(buf, r.ct3...)
}

func (r *radau5) evalDense(seg []float64, t float64, out []float64) {
	n := r.n
	s := (t - seg[0]) / seg[1]
	radauDense(s, seg[2:2+n], seg[2+n:2+2*n], seg[2+2*n:2+3*n], seg[2+3*n:2+4*n], out)
}
