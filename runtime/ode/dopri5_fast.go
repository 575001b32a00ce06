package ode

import "math"

// Dormand–Prince coefficients as constants, for the hand-unrolled step.
const (
	dpA21 = 0.2
	dpA31 = 3.0 / 40
	dpA32 = 9.0 / 40
	dpA41 = 44.0 / 45
	dpA42 = -56.0 / 15
	dpA43 = 32.0 / 9
	dpA51 = 19372.0 / 6561
	dpA52 = -25360.0 / 2187
	dpA53 = 64448.0 / 6561
	dpA54 = -212.0 / 729
	dpA61 = 9017.0 / 3168
	dpA62 = -355.0 / 33
	dpA63 = 46732.0 / 5247
	dpA64 = 49.0 / 176
	dpA65 = -5103.0 / 18656
	dpA71 = 35.0 / 384
	dpA73 = 500.0 / 1113
	dpA74 = 125.0 / 192
	dpA75 = -2187.0 / 6784
	dpA76 = 11.0 / 84
	dpE1  = 71.0 / 57600
	dpE3  = -71.0 / 16695
	dpE4  = 71.0 / 1920
	dpE5  = -17253.0 / 339200
	dpE6  = 22.0 / 525
	dpE7  = -1.0 / 40
)

// stepDopri5 is the dopri5 step with the tableau unrolled, the work of the
// generic engine's combine and error loops fused the way Hairer's code
// does it. It computes bit for bit what the generic path computes.
func (r *rkStepper) stepDopri5(t float64, y []float64, h float64, ynew []float64) (bool, float64, error) {
	p := r.p
	k := r.k
	if r.pendingFSAL {
		k[0], k[6] = k[6], k[0]
		r.pendingFSAL = false
	}
	n := len(y)
	k1, k2, k3, k4, k5, k6, k7 := k[0][:n], k[1][:n], k[2][:n], k[3][:n], k[4][:n], k[5][:n], k[6][:n]
	yt := r.ytmp[:n]
	y, ynew = y[:n], ynew[:n]
	f := p.sys

	ha := h * dpA21
	for i := range yt {
		yt[i] = y[i] + ha*k1[i]
	}
	f.Func(t+0.2*h, yt, k2)
	for i := range yt {
		yt[i] = y[i] + h*(dpA31*k1[i]+dpA32*k2[i])
	}
	f.Func(t+0.3*h, yt, k3)
	for i := range yt {
		yt[i] = y[i] + h*(dpA41*k1[i]+dpA42*k2[i]+dpA43*k3[i])
	}
	f.Func(t+0.8*h, yt, k4)
	for i := range yt {
		yt[i] = y[i] + h*(dpA51*k1[i]+dpA52*k2[i]+dpA53*k3[i]+dpA54*k4[i])
	}
	f.Func(t+8.0/9*h, yt, k5)
	for i := range yt {
		yt[i] = y[i] + h*(dpA61*k1[i]+dpA62*k2[i]+dpA63*k3[i]+dpA64*k4[i]+dpA65*k5[i])
	}
	if r.detectStiff {
		copy(r.ysti, yt)
	}
	f.Func(t+h, yt, k6)
	for i := range ynew {
		ynew[i] = y[i] + h*(dpA71*k1[i]+dpA73*k3[i]+dpA74*k4[i]+dpA75*k5[i]+dpA76*k6[i])
	}
	f.Func(t+h, ynew, k7)
	p.stats.NFE += 6

	nd := p.opt.normDims
	atol, rtol := p.opt.atol[:nd], p.opt.rtol
	s := 0.0
	for i := range atol {
		e := (dpE1*k1[i] + dpE3*k3[i] + dpE4*k4[i] + dpE5*k5[i] + dpE6*k6[i] + dpE7*k7[i]) * h
		m, m1 := math.Abs(y[i]), math.Abs(ynew[i])
		if m1 > m || m != m {
			m = m1
		}
		sk := atol[i] + rtol*m
		q := e / sk
		s += q * q
	}
	err := math.Sqrt(s / float64(nd))
	if err != err && p.opt.zeroATol {
		// 0/0 from a zero weight (see scaledErr): redo the sum safely
		// (kept out of the loop above, which runs every step)
		s = 0
		for i := range atol {
			e := (dpE1*k1[i] + dpE3*k3[i] + dpE4*k4[i] + dpE5*k5[i] + dpE6*k6[i] + dpE7*k7[i]) * h
			q := scaledErr(e, atol[i]+rtol*math.Max(math.Abs(y[i]), math.Abs(ynew[i])))
			s += q * q
		}
		err = math.Sqrt(s / float64(nd))
	}
	return r.control(t, y, h, ynew, err)
}

// control applies Hairer's step-size controller to the error norm err of
// a step of size h from (t, y) to ynew.
func (r *rkStepper) control(t float64, y []float64, h float64, ynew []float64, err float64) (bool, float64, error) {
	p := r.p
	ct := &r.tab.ctrl
	if math.IsNaN(err) || math.IsInf(err, 0) {
		// a non-finite stage: shrink hard and retry (the driver gives up
		// on underflow)
		p.stats.Rejected++
		r.reject = true
		return false, h * ct.facMin, nil
	}
	var fac11, errPow float64
	if err >= 1e-4 {
		fac11, errPow = powPair(err, r.expo1, ct.beta)
	} else {
		fac11, errPow = powFn(err, r.expo1), r.minFacPow
	}
	fac := fac11 / r.facOldPow / ct.safe
	if fac > r.facc1 {
		fac = r.facc1
	}
	if fac < r.facc2 {
		fac = r.facc2
	}
	hnew := h / fac
	if err <= 1 {
		r.facOld = max(err, 1e-4)
		r.facOldPow = errPow // facOld^β
		if math.Abs(hnew) > p.hmax {
			hnew = p.dir * p.hmax
		}
		if r.reject {
			hnew = p.dir * math.Min(math.Abs(hnew), math.Abs(h))
		}
		r.reject = false
		if r.detectStiff {
			r.hLambda = r.stiffEstimate(h, ynew)
		}
		r.accept(t, h, y, ynew)
		p.stats.Accepted++
		return true, hnew, nil
	}
	p.stats.Rejected++
	r.reject = true
	return false, h / min(r.facc1, fac11/ct.safe), nil
}
