package ode

import "math"

// rosTableau is a stiffly accurate Rosenbrock method in Hairer's
// transformed form: with W = I/(hγ) − J, stage i solves
//
//	W k_i = f(t + c_i h, y + Σ_j a_ij k_j) + h d_i ∂f/∂t + Σ_j (C_ij/h) k_j
//
// and y1 = y + Σ_j b_j k_j, where b is row s of a. The last stage k_{s−1}
// is the difference between y1 and the embedded solution, so it is the
// error estimate. Dense output is y(θ) = (1−θ)y0 + θ(y1 + (1−θ)(q1 +
// θ(q2 + θ q3 …))) with q_m = Σ_j h_mj k_j.
type rosTableau struct {
	name     string
	desc     string
	order    int // order of y1
	errOrder int // order of the embedded solution
	gamma    float64
	a        [][]float64 // a[i] for i = 0..s (row s gives y1)
	C        [][]float64 // C[i] for i = 0..s−1
	c, d     []float64   // length s
	h        [][]float64 // dense-output rows, each over the first stages
}

func init() {
	for _, tab := range []*rosTableau{rodas4Tableau(), rodas5pTableau()} {
		tab := tab
		register(MethodInfo{Name: tab.name, Order: tab.order, Stiff: true, Description: tab.desc,
			newStepper: func(n int) stepper { return newRosenbrock(tab, n) }})
	}
}

// Step-size control constants of Hairer's RODAS: hnew/h ∈ [0.2, 6].
const (
	rosSafe   = 0.9
	rosFacMin = 0.2 // smallest hnew/h
	rosFacMax = 6.0 // largest hnew/h
	maxSing   = 5   // consecutive singular matrices before giving up
)

// rosenbrock is the stepper for any rosTableau.
type rosenbrock struct {
	tab *rosTableau
	p   *problem
	n   int
	je  *jacobianEval

	J, W []float64 // Jacobian and LU of I/(hγ) − J, both n×n row-major
	piv  []int
	dT   []float64 // ∂f/∂t
	f0   []float64 // f(t, y) at the step's start
	k    [][]float64
	ytmp []float64
	ftmp []float64

	f0Valid, jacValid bool
	luH               float64 // step size of the factorisation in W; 0 = none

	expo          float64 // 1/(errOrder+1)
	reject        bool
	naccept       int
	hacc, erracc  float64
	nsing         int
	lastH, lastT0 float64
	jNorm         float64 // ‖J‖∞ of the current Jacobian
	hNorm         float64 // |h|·‖J‖∞ of the last accepted step

	// dense output of the last accepted step
	y0, y1 []float64
	q      [][]float64
}

func newRosenbrock(tab *rosTableau, n int) *rosenbrock {
	s := len(tab.c)
	r := &rosenbrock{tab: tab, n: n, je: newJacobianEval(n)}
	r.J = make([]float64, n*n)
	r.W = make([]float64, n*n)
	r.piv = make([]int, n)
	r.dT = make([]float64, n)
	r.f0 = make([]float64, n)
	r.k = make([][]float64, s)
	for i := range r.k {
		r.k[i] = make([]float64, n)
	}
	r.ytmp = make([]float64, n)
	r.ftmp = make([]float64, n)
	r.y0 = make([]float64, n)
	r.y1 = make([]float64, n)
	r.q = make([][]float64, len(tab.h))
	for i := range r.q {
		r.q[i] = make([]float64, n)
	}
	r.expo = 1 / float64(tab.errOrder+1)
	return r
}

func (r *rosenbrock) init(p *problem, t0 float64, y0 []float64) (float64, error) {
	r.p = p
	r.je.bind(p.sys)
	r.reject = false
	r.naccept = 0
	r.nsing = 0
	r.luH = 0
	r.jacValid = false
	p.fcall(t0, y0, r.f0)
	r.f0Valid = true
	if h := p.opt.FirstStep; h > 0 {
		return p.dir * math.Min(h, p.hmax), nil
	}
	return initialStep(p, t0, y0, r.f0, r.tab.order, r.ytmp, r.ftmp), nil
}

// factor forms W = I/(hγ) − J and factorises it.
func (r *rosenbrock) factor(h float64) bool {
	n := r.n
	copy(r.W, r.J)
	for i := range r.W {
		r.W[i] = -r.W[i]
	}
	g := 1 / (h * r.tab.gamma)
	for i := 0; i < n; i++ {
		r.W[i*n+i] += g
	}
	r.p.stats.NLU++
	return luFactor(r.W, n, r.piv)
}

func (r *rosenbrock) step(t float64, y []float64, h float64, ynew []float64) (bool, float64, error) {
	p, tab, n := r.p, r.tab, r.n
	if !r.f0Valid {
		p.fcall(t, y, r.f0)
		r.f0Valid = true
	}
	if !r.jacValid {
		r.je.jac(p, t, y, r.f0, r.J)
		r.je.timeDerivative(p, t, y, r.f0, r.dT)
		r.jacValid = true
		r.jNorm = infNorm(r.J, n)
		r.luH = 0
	}
	if h != r.luH {
		if !r.factor(h) {
			r.luH = 0
			r.nsing++
			p.stats.Rejected++
			if r.nsing >= maxSing {
				return false, h, ErrSingular
			}
			r.reject = true
			return false, h / 2, nil
		}
		r.luH = h
	}
	r.nsing = 0

	s := len(tab.c)
	k := r.k
	for i := 0; i < s; i++ {
		fi := r.ftmp
		if i == 0 {
			copy(fi, r.f0)
		} else {
			yi := r.ytmp
			copy(yi, y)
			for j, a := range tab.a[i] {
				if a != 0 {
					kj := k[j]
					for m := range yi {
						yi[m] += a * kj[m]
					}
				}
			}
			ti := t + tab.c[i]*h
			if tab.c[i] == 1 {
				ti = t + h
			}
			p.fcall(ti, yi, fi)
		}
		ki := k[i]
		copy(ki, fi)
		if di := h * tab.d[i]; di != 0 {
			for m := range ki {
				ki[m] += di * r.dT[m]
			}
		}
		for j, c := range tab.C[i] {
			if c != 0 {
				cj, kj := c/h, k[j]
				for m := range ki {
					ki[m] += cj * kj[m]
				}
			}
		}
		luSolve(r.W, n, r.piv, ki)
	}
	copy(ynew, y)
	for j, b := range tab.a[s] {
		if b != 0 {
			kj := k[j]
			for m := range ynew {
				ynew[m] += b * kj[m]
			}
		}
	}
	err := p.errNorm(k[s-1], y, ynew)
	if math.IsNaN(err) || math.IsInf(err, 0) {
		p.stats.Rejected++
		r.reject = true
		return false, h * rosFacMin, nil
	}
	fac := math.Max(1/rosFacMax, math.Min(1/rosFacMin, math.Pow(err, r.expo)/rosSafe))
	hnew := h / fac
	if err > 1 {
		p.stats.Rejected++
		r.reject = true
		return false, hnew, nil
	}
	// accepted: Gustafsson's predictive controller (as in RODAS)
	if r.naccept > 0 {
		facgus := (r.hacc / h) * math.Pow(err*err/r.erracc, r.expo) / rosSafe
		facgus = math.Max(1/rosFacMax, math.Min(1/rosFacMin, facgus))
		fac = math.Max(fac, facgus)
		hnew = h / fac
	}
	r.hacc = h
	r.erracc = math.Max(1e-2, err)
	r.naccept++
	p.stats.Accepted++
	if math.Abs(hnew) > p.hmax {
		hnew = p.dir * p.hmax
	}
	if r.reject {
		hnew = p.dir * math.Min(math.Abs(hnew), math.Abs(h))
	}
	r.reject = false
	r.hNorm = math.Abs(h) * r.jNorm
	// keep the dense output
	r.lastT0, r.lastH = t, h
	copy(r.y0, y)
	copy(r.y1, ynew)
	for m, row := range tab.h {
		q := r.q[m]
		for i := range q {
			q[i] = 0
		}
		for j, c := range row {
			if c != 0 {
				kj := k[j]
				for i := range q {
					q[i] += c * kj[i]
				}
			}
		}
	}
	r.f0Valid, r.jacValid = false, false
	return true, hnew, nil
}

func (r *rosenbrock) interp(t float64, out []float64) {
	rosDense((t-r.lastT0)/r.lastH, r.y0, r.y1, r.q, out)
}

// rosDense evaluates (1−θ)y0 + θ(y1 + (1−θ)(q0 + θ(q1 + θ(q2 …)))).
func rosDense(theta float64, y0, y1 []float64, q [][]float64, out []float64) {
	t1 := 1 - theta
	m := len(q)
	for i := range out {
		acc := q[m-1][i]
		for j := m - 2; j >= 0; j-- {
			acc = q[j][i] + theta*acc
		}
		out[i] = t1*y0[i] + theta*(y1[i]+t1*acc)
	}
}

// appendDense stores [t0, h, y0, y1, q0, q1, …].
func (r *rosenbrock) appendDense(buf []float64) []float64 {
	buf = append(buf, r.lastT0, r.lastH)
	buf = append(buf, r.y0...)
	buf = append(buf, r.y1...)
	for _, q := range r.q {
		buf = append(buf, q...)
	}
	return buf
}

func (r *rosenbrock) evalDense(seg []float64, t float64, out []float64) {
	n := r.n
	t0, h := seg[0], seg[1]
	y0, y1 := seg[2:2+n], seg[2+n:2+2*n]
	theta := (t - t0) / h
	t1 := 1 - theta
	m := len(r.q)
	base := 2 + 2*n
	for i := range out {
		acc := seg[base+(m-1)*n+i]
		for j := m - 2; j >= 0; j-- {
			acc = seg[base+j*n+i] + theta*acc
		}
		out[i] = t1*y0[i] + theta*(y1[i]+t1*acc)
	}
}

// stiffness returns |h|·‖J‖∞ of the last accepted step, an upper bound of
// h·ρ(J): below the stability boundary of an explicit method (about 3.3
// for dopri5 and tsit5) an explicit method could have taken the same step.
func (r *rosenbrock) stiffness() float64 { return r.hNorm }

// infNorm is the maximum absolute row sum of the row-major n×n matrix a.
func infNorm(a []float64, n int) float64 {
	m := 0.0
	for i := 0; i < n; i++ {
		s := 0.0
		for _, v := range a[i*n : i*n+n] {
			s += math.Abs(v)
		}
		m = math.Max(m, s)
	}
	return m
}
