package ode

import "math"

// dop853 is Dormand & Prince's 8(5,3) method as in Hairer's DOP853: an
// 8th-order solution, an error estimate that blends 5th- and 3rd-order
// embedded solutions, FSAL, and a 7th-order dense output that costs three
// extra stages, evaluated only when interpolation is first needed.
type dop853Stepper struct {
	p      *problem
	n      int
	k      [13][]float64 // k[0] = f(t, y); k[1..11] stages; k[12] = f(t+h, y1)
	ytmp   []float64
	facOld float64
	reject bool
	// last accepted step
	t0, h     float64
	y0, y1    []float64
	pending   bool // k[12] becomes k[0] at the next step
	contReady bool
	cont      [8][]float64
	kx        [3][]float64 // extra dense stages
}

var dop853Ctrl = controller{q: 8, beta: 0, safe: 0.9, facMin: 0.333, facMax: 6}

func init() {
	register(MethodInfo{Name: "dop853", Order: 8,
		Description: "Dormand–Prince 8(5,3) as in Hairer's DOP853, 7th-order dense output",
		newStepper: func(n int) stepper {
			d := &dop853Stepper{n: n}
			for i := range d.k {
				d.k[i] = make([]float64, n)
			}
			for i := range d.cont {
				d.cont[i] = make([]float64, n)
			}
			for i := range d.kx {
				d.kx[i] = make([]float64, n)
			}
			d.ytmp = make([]float64, n)
			return d
		}})
}

func (d *dop853Stepper) init(p *problem, t0 float64, y0 []float64) (float64, error) {
	d.p = p
	d.facOld = 1e-4
	d.reject = false
	d.pending = false
	p.fcall(t0, y0, d.k[0])
	if h := p.opt.FirstStep; h > 0 {
		return p.dir * math.Min(h, p.hmax), nil
	}
	return initialStep(p, t0, y0, d.k[0], 8, d.ytmp, d.k[1]), nil
}

func (d *dop853Stepper) step(t float64, y []float64, h float64, ynew []float64) (bool, float64, error) {
	p, k := d.p, &d.k
	if d.pending {
		k[0], k[12] = k[12], k[0]
		d.pending = false
	}
	for i := 1; i < 12; i++ {
		combine(d.ytmp, y, h, dop853A[i], k[:])
		p.fcall(t+dop853C[i]*h, d.ytmp, k[i])
	}
	// y1 = y + h Σ b_i k_i; the 3rd-order estimate uses the same increment
	nd := p.opt.normDims
	err5, err3 := 0.0, 0.0
	rtol := p.opt.rtol
	for i := 0; i < d.n; i++ {
		inc := 0.0
		for _, c := range dop853B {
			inc += c.a * k[c.j][i]
		}
		ynew[i] = y[i] + h*inc
		if i >= nd {
			continue
		}
		sk := p.opt.atol[i] + rtol*math.Max(math.Abs(y[i]), math.Abs(ynew[i]))
		e3 := inc - dop853BHH[0]*k[0][i] - dop853BHH[1]*k[8][i] - dop853BHH[2]*k[11][i]
		e5 := 0.0
		for _, c := range dop853E {
			e5 += c.a * k[c.j][i]
		}
		q3, q5 := scaledErr(e3, sk), scaledErr(e5, sk)
		err3 += q3 * q3
		err5 += q5 * q5
	}
	deno := err5 + 0.01*err3
	if deno <= 0 {
		deno = 1
	}
	err := math.Abs(h) * err5 * math.Sqrt(1/(float64(nd)*deno))
	ct := &dop853Ctrl
	if math.IsNaN(err) || math.IsInf(err, 0) {
		p.stats.Rejected++
		d.reject = true
		return false, h * ct.facMin, nil
	}
	fac11 := powFn(err, 1/ct.q-0.2*ct.beta)
	fac := fac11 / powFn(d.facOld, ct.beta)
	fac = math.Max(1/ct.facMax, math.Min(1/ct.facMin, fac/ct.safe))
	hnew := h / fac
	if err <= 1 {
		d.facOld = math.Max(err, 1e-4)
		p.fcall(t+h, ynew, k[12])
		if math.Abs(hnew) > p.hmax {
			hnew = p.dir * p.hmax
		}
		if d.reject {
			hnew = p.dir * math.Min(math.Abs(hnew), math.Abs(h))
		}
		d.reject = false
		d.t0, d.h, d.y0, d.y1 = t, h, y, ynew
		d.pending = true
		d.contReady = false
		p.stats.Accepted++
		return true, hnew, nil
	}
	p.stats.Rejected++
	d.reject = true
	return false, h / math.Min(1/ct.facMin, fac11/ct.safe), nil
}

// prepareDense computes Hairer's rcont coefficients, with three extra
// stages, for the last accepted step.
func (d *dop853Stepper) prepareDense() {
	if d.contReady {
		return
	}
	k, h, t, y, ynew := &d.k, d.h, d.t0, d.y0, d.y1
	n := d.n
	// extra stages use k0..k11 and f(t+h, y1) = k[12]
	all := [16][]float64{}
	copy(all[:13], k[:])
	all[13], all[14], all[15] = d.kx[0], d.kx[1], d.kx[2]
	for e := 0; e < 3; e++ {
		combine(d.ytmp, y, h, dop853AX[e], all[:])
		d.p.fcall(t+dop853CX[e]*h, d.ytmp, d.kx[e])
	}
	c := &d.cont
	for i := 0; i < n; i++ {
		ydiff := ynew[i] - y[i]
		bspl := h*k[0][i] - ydiff
		c[0][i] = y[i]
		c[1][i] = ydiff
		c[2][i] = bspl
		c[3][i] = ydiff - h*k[12][i] - bspl
		for r := 0; r < 4; r++ {
			acc := 0.0
			for _, dc := range dop853D[r] {
				acc += dc.a * all[dc.j][i]
			}
			c[4+r][i] = h * acc
		}
	}
	d.contReady = true
}

func dop853Eval(c *[8][]float64, s float64, out []float64) {
	s1 := 1 - s
	for i := range out {
		out[i] = c[0][i] + s*(c[1][i]+s1*(c[2][i]+s*(c[3][i]+s1*(c[4][i]+
			s*(c[5][i]+s1*(c[6][i]+s*c[7][i]))))))
	}
}

func (d *dop853Stepper) interp(t float64, out []float64) {
	d.prepareDense()
	dop853Eval(&d.cont, (t-d.t0)/d.h, out)
}

func (d *dop853Stepper) appendDense(buf []float64) []float64 {
	d.prepareDense()
	buf = append(buf, d.t0, d.h)
	for _, c := range d.cont {
		buf = append(buf, c...)
	}
	return buf
}

func (d *dop853Stepper) evalDense(seg []float64, t float64, out []float64) {
	n := d.n
	var c [8][]float64
	for r := range c {
		c[r] = seg[2+r*n : 2+(r+1)*n]
	}
	dop853Eval(&c, (t-seg[0])/seg[1], out)
}
