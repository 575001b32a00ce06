package ode

import "math"

// Adams–Bashforth–Moulton methods.
//
// "adams" is Shampine and Gordon's variable-step, variable-order Adams PECE
// code (STEP and INTRP in "Computer Solution of Ordinary Differential
// Equations", 1975): modified divided differences φ, step ratios ψ, α, β,
// σ and integration coefficients g recomputed only when the step changes;
// order k = 1…12 chosen each step from error estimates at orders k−2…k+1;
// local extrapolation (the corrected value is of order k+1); the step is
// doubled only when the error allows it at twice the step and otherwise cut
// by a factor in [0.5, 0.9]. It starts at order 1 with a small step and
// doubles the step while raising the order each step (its own starting
// procedure), and after three failures in a row restarts at order 1.
//
// "abm4" is the classical fixed-step fourth-order Adams–Bashforth–Moulton
// PECE pair (AB4 predictor, three-step AM corrector), started with RK4.

func init() {
	register(MethodInfo{
		Name:        "adams",
		Order:       12,
		Description: "variable-step variable-order Adams–Bashforth–Moulton PECE, orders 1–12 (Shampine–Gordon STEP/INTRP)",
		newStepper:  func(n int) stepper { return newAdams(n, adamsMaxOrder) },
	})
	register(MethodInfo{
		Name:        "abm4",
		Order:       4,
		Fixed:       true,
		Description: "fixed-step 4th-order Adams–Bashforth–Moulton PECE, RK4 start",
		newStepper:  func(n int) stepper { return newABM4(n) },
	})
}

const (
	adamsMaxOrder = 12
	adamsFourU    = 4 * 2.220446049250313e-16
	adamsTwoU     = 2 * 2.220446049250313e-16
)

// adamsGStr are Shampine–Gordon's |γ*_k| (error constants of the order-k
// formulas), 1-based.
var adamsGStr = [14]float64{0, 0.500, 0.0833, 0.0417, 0.0264, 0.0188, 0.0143,
	0.0114, 0.00936, 0.00789, 0.00679, 0.00592, 0.00524, 0.00468}

// adams is the Shampine–Gordon stepper. Arrays are 1-based as in the
// published code, which keeps the translation checkable line by line.
type adams struct {
	p *problem
	n int

	// phi[1..k+2] are the modified divided differences of f; phi[15] and
	// phi[16] carry the compensated-summation residues (used only when
	// the tolerance is near the unit roundoff).
	phi    [17][]float64
	phiBuf []float64

	psi, alpha, beta, v [13]float64
	w, sig, g           [14]float64

	pred, yp []float64 // prediction, f at the prediction and at the correction
	yn       []float64 // solution at xn (for interp)
	xn       float64

	k, kold, ns, ifail int
	hold               float64
	phase1, nornd      bool

	maxOrder int
	// fixedH accepts every step and keeps the order and step size (tests
	// of the formulas from an exact starting history).
	fixedH bool
}

func newAdams(n, maxOrder int) *adams {
	a := &adams{n: n, maxOrder: maxOrder}
	a.phiBuf = make([]float64, 16*n)
	for i := 1; i <= 16; i++ {
		a.phi[i] = a.phiBuf[(i-1)*n : i*n : i*n]
	}
	a.pred = make([]float64, n)
	a.yp = make([]float64, n)
	a.yn = make([]float64, n)
	return a
}

func (a *adams) init(p *problem, t0 float64, y0 []float64) (float64, error) {
	a.p = p
	p.fcall(t0, y0, a.yp)
	for _, v := range a.yp {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return 0, ErrNonFinite
		}
	}
	copy(a.phi[1], a.yp)
	clear(a.phi[2])
	clear(a.phi[15])
	clear(a.phi[16])
	a.g[1], a.g[2], a.sig[1] = 1, 0.5, 1
	a.hold = 0
	a.k, a.kold, a.ns, a.ifail = 1, 0, 0, 0
	a.phase1 = true
	copy(a.yn, y0)
	a.xn = t0

	// Unit tolerance in the scaled norm; switch on compensated summation
	// when it is within a factor 100 of the rounding level of y0.
	round := adamsTwoU * p.errNorm(y0, y0, y0)
	a.nornd = 0.5 > 100*round

	absh := p.hmax
	if h := p.opt.FirstStep; h > 0 {
		absh = math.Min(h, p.hmax)
	} else if sum := p.errNorm(a.yp, y0, y0); 1 < 16*sum*absh*absh {
		// STEP's choice: the Euler step's error h²‖f‖ about ¼ of the
		// tolerance.
		absh = 0.25 * math.Sqrt(1/sum)
	}
	if !(absh > 0) {
		absh = 1e-6 * p.hmax
	}
	absh = math.Max(absh, adamsFourU*math.Abs(t0))
	return math.Copysign(absh, p.dir), nil
}

func (a *adams) step(t float64, y []float64, h float64, ynew []float64) (bool, float64, error) {
	p := a.p
	if math.Abs(h) < adamsFourU*math.Abs(t) {
		return false, 0, ErrStepSizeTooSmall
	}
	const p5eps = 0.5
	phi := &a.phi
	psi, alpha, beta, v, w, sig, g := &a.psi, &a.alpha, &a.beta, &a.v, &a.w, &a.sig, &a.g
	k := a.k
	kp1, kp2, km1, km2 := k+1, k+2, k-1, k-2

	// Block 1: coefficients. ns counts the steps taken with size h; while
	// k < ns none of them change.
	if h != a.hold {
		a.ns = 0
	}
	if a.ns <= a.kold {
		a.ns++
	}
	ns := a.ns
	nsp1 := ns + 1
	if k >= ns {
		beta[ns] = 1
		alpha[ns] = 1 / float64(ns)
		temp1 := h * float64(ns)
		sig[nsp1] = 1
		for i := nsp1; i <= k; i++ {
			temp2 := psi[i-1]
			psi[i-1] = temp1
			beta[i] = beta[i-1] * psi[i-1] / temp2
			temp1 = temp2 + h
			alpha[i] = h / temp1
			sig[i+1] = float64(i) * alpha[i] * sig[i]
		}
		psi[k] = temp1

		if ns <= 1 {
			for iq := 1; iq <= k; iq++ {
				v[iq] = 1 / float64(iq*(iq+1))
				w[iq] = v[iq]
			}
		} else {
			if k > a.kold {
				v[k] = 1 / float64(k*kp1)
				for j := 1; j <= ns-2; j++ {
					i := k - j
					v[i] -= alpha[j+1] * v[i+1]
				}
			}
			temp5 := alpha[ns]
			for iq := 1; iq <= kp1-ns; iq++ {
				v[iq] -= temp5 * v[iq+1]
				w[iq] = v[iq]
			}
			g[nsp1] = w[1]
		}
		for i := ns + 2; i <= kp1; i++ {
			temp6 := alpha[i-1]
			for iq := 1; iq <= kp2-i; iq++ {
				w[iq] -= temp6 * w[iq+1]
			}
			g[i] = w[1]
		}
	}

	// Block 2: predict, evaluate, estimate the errors at orders k, k−1,
	// k−2 as if the step had been constant.
	for i := nsp1; i <= k; i++ {
		b := beta[i]
		for l, x := range phi[i] {
			phi[i][l] = b * x
		}
	}
	pk1, pk2, pr := phi[kp1], phi[kp2], a.pred
	for l := range pr {
		pk2[l] = pk1[l]
		pk1[l] = 0
		pr[l] = 0
	}
	for j := 1; j <= k; j++ {
		i := kp1 - j
		gi := g[i]
		pi, pn := phi[i], phi[i+1]
		for l := range pr {
			pr[l] += gi * pi[l]
			pi[l] += pn[l]
		}
	}
	if a.nornd {
		for l := range pr {
			pr[l] = y[l] + h*pr[l]
		}
	} else {
		p15, p16 := phi[15], phi[16]
		for l := range pr {
			tau := h*pr[l] - p15[l]
			pr[l] = y[l] + tau
			p16[l] = (pr[l] - y[l]) - tau
		}
	}
	x := t + h
	absh := math.Abs(h)
	p.fcall(x, pr, a.yp)

	// The three estimates in one pass, with the weights of p.errNorm.
	nd := p.opt.normDims
	atol, rtol := p.opt.atol[:nd], p.opt.rtol
	var s0, s1, s2 float64
	y1, pm1, pm2 := phi[1][:nd], phi[max(k, 1)][:nd], phi[max(km1, 1)][:nd]
	ypn, prn := a.yp[:nd], pr[:nd]
	for l, yl := range y[:nd] {
		wl := atol[l] + rtol*math.Max(math.Abs(yl), math.Abs(prn[l]))
		if wl == 0 {
			// zero weight (pure relative control at y = 0): see scaledErr
			d := ypn[l] - y1[l]
			dl, x1, x2 := scaledErr(d, 0), scaledErr(pm1[l]+d, 0), scaledErr(pm2[l]+d, 0)
			s0 += dl * dl
			s1 += x1 * x1
			s2 += x2 * x2
			continue
		}
		r := 1 / wl
		dl := (ypn[l] - y1[l]) * r
		s0 += dl * dl
		x := pm1[l]*r + dl
		s1 += x * x
		x = pm2[l]*r + dl
		s2 += x * x
	}
	rn := 1 / float64(nd)
	var erkm2, erkm1 float64
	if km2 > 0 {
		erkm2 = absh * sig[km1] * adamsGStr[km2] * math.Sqrt(s2*rn)
	}
	if km2 >= 0 {
		erkm1 = absh * sig[k] * adamsGStr[km1] * math.Sqrt(s1*rn)
	}
	temp5 := absh * math.Sqrt(s0*rn)
	err := temp5 * (g[k] - g[kp1])
	erk := temp5 * sig[kp1] * adamsGStr[k]
	knew := k
	switch {
	case km2 > 0:
		if math.Max(erkm1, erkm2) <= erk {
			knew = km1
		}
	case km2 == 0:
		if erkm1 <= 0.5*erk {
			knew = km1
		}
	}
	if a.fixedH {
		err, knew = 0, k
	}

	if !(err <= p5eps) {
		// Block 3: reject. Restore φ and ψ; halve the step (after the
		// third failure in a row restart at order 1, after that use the
		// step the estimate asks for).
		a.phase1 = false
		for i := 1; i <= k; i++ {
			rb := 1 / beta[i]
			pi, pn := phi[i], phi[i+1]
			for l := range pi {
				pi[l] = rb * (pi[l] - pn[l])
			}
		}
		for i := 2; i <= k; i++ {
			psi[i-1] = psi[i] - h
		}
		a.ifail++
		temp2 := 0.5
		if a.ifail > 3 && p5eps < 0.25*erk {
			temp2 = math.Sqrt(p5eps / erk)
		}
		if a.ifail >= 3 {
			knew = 1
		}
		a.k = knew
		p.stats.Rejected++
		hn := temp2 * h
		if math.Abs(hn) < adamsFourU*math.Abs(t) {
			return false, hn, ErrStepSizeTooSmall
		}
		return false, hn, nil
	}

	// Block 4: accept. Correct, evaluate, update the differences, then
	// choose the order and step for the next step.
	a.kold, a.hold, a.ifail = k, h, 0
	temp1 := h * g[kp1]
	p1 := phi[1]
	if a.nornd {
		for l := range ynew {
			ynew[l] = pr[l] + temp1*(a.yp[l]-p1[l])
		}
	} else {
		p15, p16 := phi[15], phi[16]
		for l := range ynew {
			rho := temp1*(a.yp[l]-p1[l]) - p16[l]
			ynew[l] = pr[l] + rho
			p15[l] = (ynew[l] - pr[l]) - rho
		}
	}
	p.fcall(x, ynew, a.yp)
	for l := range pk1 {
		pk1[l] = a.yp[l] - p1[l]
		pk2[l] = pk1[l] - pk2[l]
	}
	for i := 1; i <= k; i++ {
		pi := phi[i]
		for l, x := range pk1 {
			pi[l] += x
		}
	}
	p.stats.Accepted++
	copy(a.yn, ynew)
	a.xn = x

	if a.fixedH {
		return true, h, nil
	}

	if knew == km1 || k == a.maxOrder {
		a.phase1 = false
	}
	switch {
	case a.phase1:
		k, erk = kp1, 0
	case knew == km1:
		k, erk = km1, erkm1
	case kp1 > ns:
		// step not constant long enough: the order-(k+1) estimate is
		// unreliable, keep the order
	default:
		erkp1 := absh * adamsGStr[kp1] * p.errNorm(pk2, y, ynew)
		if k > 1 {
			if erkm1 <= math.Min(erk, erkp1) {
				k, erk = km1, erkm1
			} else if erkp1 < erk && k < a.maxOrder {
				k, erk = kp1, erkp1
			}
		} else if erkp1 < 0.5*erk && k < a.maxOrder {
			k, erk = kp1, erkp1
		}
	}
	a.k = k

	hnew := 2 * h
	if !a.phase1 && !(p5eps >= erk*float64(int(1)<<(k+1))) {
		hnew = h
		if !(p5eps >= erk) {
			r := math.Pow(p5eps/erk, 1/float64(k+1))
			hnew = absh * math.Max(0.5, math.Min(0.9, r))
			hnew = math.Copysign(math.Max(hnew, adamsFourU*math.Abs(x)), h)
		}
	}
	if math.Abs(hnew) > p.hmax {
		hnew = math.Copysign(p.hmax, h)
	}
	return true, hnew, nil
}

// interp evaluates the Adams interpolating polynomial of the last step.
func (a *adams) interp(s float64, out []float64) {
	adamsIntrp(s-a.xn, a.kold, a.psi[1:a.kold+1], a.yn, a.phiBuf[:(a.kold+1)*a.n], out)
}

// appendDense stores [xn, kold, ψ_1..ψ_kold, y(xn), φ_1..φ_{kold+1}].
func (a *adams) appendDense(buf []float64) []float64 {
	buf = append(buf, a.xn, float64(a.kold))
	buf = append(buf, a.psi[1:a.kold+1]...)
	buf = append(buf, a.yn...)
	return append(buf, a.phiBuf[:(a.kold+1)*a.n]...)
}

func (a *adams) evalDense(seg []float64, s float64, out []float64) {
	n := a.n
	xn, kold := seg[0], int(seg[1])
	psi := seg[2 : 2+kold]
	yn := seg[2+kold : 2+kold+n]
	phi := seg[2+kold+n : 2+kold+n+(kold+1)*n]
	adamsIntrp(s-xn, kold, psi, yn, phi, out)
}

// adamsIntrp is Shampine–Gordon's INTRP: the solution at xn+hi of the
// polynomial through the last kold+1 points. psi[j−1] = ψ_j, phi holds
// φ_1..φ_{kold+1} row after row, yn = y(xn).
func adamsIntrp(hi float64, kold int, psi, yn, phi, out []float64) {
	var w, g [14]float64
	ki := kold + 1
	kip1 := ki + 1
	for i := 1; i <= ki; i++ {
		w[i] = 1 / float64(i)
	}
	g[1] = 1
	term := 0.0
	for j := 2; j <= ki; j++ {
		psijm1 := psi[j-2]
		gamma := (hi + term) / psijm1
		eta := hi / psijm1
		for i := 1; i <= kip1-j; i++ {
			w[i] = gamma*w[i] - eta*w[i+1]
		}
		g[j] = w[1]
		term = psijm1
	}
	n := len(out)
	clear(out)
	for j := 1; j <= ki; j++ {
		i := kip1 - j
		gi := g[i]
		row := phi[(i-1)*n : i*n]
		for l, x := range row {
			out[l] += gi * x
		}
	}
	for l := range out {
		out[l] = yn[l] + hi*out[l]
	}
}

// abm4 is the fixed-step AB4/AM3 (fourth-order) PECE pair. Its history is
// f at the last four points spaced by the current step; steps of another
// size (the start, and the driver's clipped final step) are taken with
// RK4, which restarts the history.
type abm4 struct {
	p     *problem
	f     [4][]float64 // f[0] = f(t_n), f[1] = f(t_{n−1}), …
	nhist int          // valid entries of f
	hh    float64      // spacing of the history
	k2    []float64
	k3    []float64
	tmp   []float64
	y0    []float64 // start of the last step (dense output)
	y1    []float64
	fp    []float64 // f at the start of the last step
	t0, h float64
}

func newABM4(n int) *abm4 {
	a := &abm4{}
	for i := range a.f {
		a.f[i] = make([]float64, n)
	}
	a.k2 = make([]float64, n)
	a.k3 = make([]float64, n)
	a.tmp = make([]float64, n)
	a.y0 = make([]float64, n)
	a.y1 = make([]float64, n)
	a.fp = make([]float64, n)
	return a
}

func (a *abm4) init(p *problem, t0 float64, y0 []float64) (float64, error) {
	a.p = p
	p.fcall(t0, y0, a.f[0])
	a.nhist, a.hh = 1, 0
	copy(a.y1, y0)
	copy(a.fp, a.f[0])
	a.t0, a.h = t0, 0
	return p.dir * p.opt.StepSize, nil
}

func (a *abm4) step(t float64, y []float64, h float64, ynew []float64) (bool, float64, error) {
	p := a.p
	// The driver walks the grid t0 + i·StepSize, so h differs from the
	// history's spacing by the rounding of t only; the constant-step
	// formulas are as exact as t itself for such steps.
	if math.Abs(h-a.hh) > 1e-10*math.Abs(a.hh)+16*uround*math.Abs(t) {
		a.nhist = 1
	}
	copy(a.y0, y)
	copy(a.fp, a.f[0])
	// rotate the history: the new f goes into the oldest slot
	f := &a.f
	f[0], f[1], f[2], f[3] = f[3], f[0], f[1], f[2]
	fn, fn1, fn2, fn3, fnew := f[1], f[2], f[3], f[0], f[0]
	if a.nhist < 4 {
		// RK4 with k1 = f(t_n)
		tmp, k2, k3 := a.tmp, a.k2, a.k3
		for i := range tmp {
			tmp[i] = y[i] + 0.5*h*fn[i]
		}
		p.fcall(t+0.5*h, tmp, k2)
		for i := range tmp {
			tmp[i] = y[i] + 0.5*h*k2[i]
		}
		p.fcall(t+0.5*h, tmp, k3)
		for i := range tmp {
			tmp[i] = y[i] + h*k3[i]
		}
		p.fcall(t+h, tmp, fnew) // k4, overwritten below
		for i := range ynew {
			ynew[i] = y[i] + h/6*(fn[i]+2*(k2[i]+k3[i])+fnew[i])
		}
		a.nhist++
		a.hh = h
	} else {
		c := h / 24
		for i := range ynew {
			ynew[i] = y[i] + c*(55*fn[i]-59*fn1[i]+37*fn2[i]-9*fn3[i])
		}
		p.fcall(t+h, ynew, fnew)
		for i := range ynew {
			ynew[i] = y[i] + c*(9*fnew[i]+19*fn[i]-5*fn1[i]+fn2[i])
		}
	}
	p.fcall(t+h, ynew, fnew)
	copy(a.y1, ynew)
	a.t0, a.h = t, h
	p.stats.Accepted++
	return true, p.dir * p.opt.StepSize, nil
}

func (a *abm4) interp(s float64, out []float64) {
	symHermite((s-a.t0)/a.h, a.h, a.y0, a.y1, a.fp, a.f[0], out)
}

// appendDense stores [t0, h, y0, y1, f0, f1].
func (a *abm4) appendDense(buf []float64) []float64 {
	buf = append(buf, a.t0, a.h)
	buf = append(buf, a.y0...)
	buf = append(buf, a.y1...)
	buf = append(buf, a.fp...)
	return append(buf, a.f[0]...)
}

func (a *abm4) evalDense(seg []float64, s float64, out []float64) {
	evalHermiteSeg(seg, s, out)
}
