package sindy

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// Penalty selects the sparsity penalty of SR3.
type Penalty int

const (
	L0 Penalty = iota // hard thresholding: counts nonzeros
	L1                // soft thresholding: sum of magnitudes
)

func (p Penalty) String() string {
	switch p {
	case L0:
		return "L0"
	case L1:
		return "L1"
	}
	return fmt.Sprintf("Penalty(%d)", int(p))
}

// SR3 is sparse relaxed regularised regression (Zheng et al. 2019;
// Champion et al. 2020). It alternates
//
//	W ← argmin ½‖Y − ΘW‖² + ‖W − U‖²/(2ν)   (subject to the constraints)
//	U ← prox(W)                              (hard or soft threshold)
//
// and returns the sparse U. With linear equality constraints on the
// coefficients it is constrained SR3; the constraints then hold exactly in
// the result, which is refitted by constrained least squares on U's
// support.
type SR3 struct {
	// Threshold is where the proximal step cuts: coefficients below it
	// become zero (L0), or all shrink by it (L1).
	Threshold float64
	Penalty   Penalty
	// Nu is the relaxation ν (0 means 1, pysindy's default). Smaller values
	// couple W and U more tightly.
	Nu float64
	// MaxIter bounds the iterations (0 means 10000); Tol is the
	// convergence tolerance on the relative change of U (0 means 1e-10).
	MaxIter int
	Tol     float64
	// Unbias refits U's support by ordinary least squares.
	Unbias bool

	// ConstraintLHS (c×k·p) and ConstraintRHS (length c) impose
	// C·vec(Ξ) = d, where vec stacks the coefficient rows: entry i·p+j is
	// target i's coefficient on feature j (pysindy's "target" order).
	ConstraintLHS *mat.Dense
	ConstraintRHS []float64
}

// WithThreshold implements Thresholder.
func (o SR3) WithThreshold(th float64) Optimizer { o.Threshold = th; return o }

// Fit implements Optimizer.
func (o SR3) Fit(r *Regression, coef *mat.Dense) error {
	nu := o.Nu
	if nu == 0 {
		nu = 1
	}
	iters := o.MaxIter
	if iters == 0 {
		iters = 10000
	}
	tol := o.Tol
	if tol == 0 {
		tol = 1e-10
	}
	if !(o.Threshold >= 0) || math.IsInf(o.Threshold, 0) || !(nu > 0) || iters < 0 || !(tol > 0) || (o.Penalty != L0 && o.Penalty != L1) {
		return fmt.Errorf("%w: SR3 threshold %g, nu %g, penalty %v, iterations %d, tol %g", ErrSettings, o.Threshold, nu, o.Penalty, iters, tol)
	}
	_, p, k := r.Dims()
	checkCoef(coef, k, p)
	var con *constraints
	if o.ConstraintLHS != nil {
		var err error
		if con, err = newConstraints(r, o.ConstraintLHS, o.ConstraintRHS, nu); err != nil {
			return err
		}
	}
	s := newSolver(r)
	all := make([]bool, p)
	for j := range all {
		all[j] = true
	}
	W := make([][]float64, k)
	U := make([][]float64, k)
	for i := range k {
		W[i], U[i] = make([]float64, p), make([]float64, p)
	}
	// Start from the least-squares solution, thresholded.
	for i := range k {
		if err := s.solve(i, all, 0, 0, nil, W[i]); err != nil {
			return err
		}
		o.prox(W[i], U[i])
	}
	for it := 0; it < iters; it++ {
		if con != nil {
			con.update(U, W)
		} else {
			for i := range k {
				if err := s.solve(i, all, 0, nu, U[i], W[i]); err != nil {
					return err
				}
			}
		}
		var du, un float64
		for i := range k {
			for j := range p {
				old := U[i][j]
				o.proxOne(W[i][j], &U[i][j])
				du += (U[i][j] - old) * (U[i][j] - old)
				un += U[i][j] * U[i][j]
			}
		}
		if du <= tol*tol*math.Max(un, 1e-300) {
			break
		}
	}
	support := make([]bool, p)
	for i := range k {
		for j := range p {
			support[j] = U[i][j] != 0
		}
		if o.Unbias && con == nil {
			if err := s.solve(i, support, 0, 0, nil, U[i]); err != nil {
				return err
			}
		}
	}
	if con != nil {
		if err := con.refit(U); err != nil {
			return err
		}
	}
	for i := range k {
		coef.SetRow(i, U[i])
	}
	return nil
}

func (o SR3) prox(w, u []float64) {
	for j := range w {
		o.proxOne(w[j], &u[j])
	}
}

func (o SR3) proxOne(w float64, u *float64) {
	switch o.Penalty {
	case L0:
		if math.Abs(w) < o.Threshold {
			*u = 0
		} else {
			*u = w
		}
	case L1:
		a := math.Abs(w) - o.Threshold
		if a <= 0 {
			*u = 0
		} else {
			*u = math.Copysign(a, w)
		}
	}
}

// constraints holds the factorisations for the constrained W-step:
// minimise Σ_i ½ w_iᵀHw_i − w_iᵀ(b_i + u_i/ν) subject to C·vec(W) = d with
// H = ΘᵀΘ + I/ν, solved through the Schur complement S = Σ_i C_i H⁻¹ C_iᵀ.
type constraints struct {
	r    *Regression
	C    *mat.Dense
	d    []float64
	nu   float64
	k, p int
	H    mat.Cholesky
	S    mat.Cholesky
	HiCt []*mat.Dense // H⁻¹ C_iᵀ, p×c per target
}

func newConstraints(r *Regression, C *mat.Dense, d []float64, nu float64) (*constraints, error) {
	_, p, k := r.Dims()
	c, cols := C.Dims()
	if cols != k*p || len(d) != c {
		return nil, fmt.Errorf("%w: constraints are %d×%d with %d right-hand sides, want c×%d (k=%d targets × p=%d features) and c values", ErrSettings, c, cols, len(d), k*p, k, p)
	}
	cs := &constraints{r: r, C: C, d: d, nu: nu, k: k, p: p}
	H := mat.NewSymDense(p, nil)
	H.CopySym(r.Gram())
	for j := range p {
		H.SetSym(j, j, H.At(j, j)+1/nu)
	}
	if !cs.H.Factorize(H) {
		return nil, fmt.Errorf("%w: ΘᵀΘ + I/ν not positive definite", ErrSingular)
	}
	S := mat.NewDense(c, c, nil)
	for i := range k {
		Ci := C.Slice(0, c, i*p, (i+1)*p)
		h := mat.NewDense(p, c, nil)
		if err := cs.H.SolveTo(h, Ci.T()); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrSingular, err)
		}
		cs.HiCt = append(cs.HiCt, h)
		var t mat.Dense
		t.Mul(Ci, h)
		S.Add(S, &t)
	}
	Ssym := mat.NewSymDense(c, nil)
	for a := range c {
		for b := a; b < c; b++ {
			Ssym.SetSym(a, b, (S.At(a, b)+S.At(b, a))/2)
		}
	}
	if !cs.S.Factorize(Ssym) {
		return nil, fmt.Errorf("%w: constraint rows are linearly dependent", ErrInfeasible)
	}
	return cs, nil
}

// update writes the constrained W-step for the current U into W.
func (cs *constraints) update(U, W [][]float64) {
	p, k := cs.p, cs.k
	c := len(cs.d)
	thy := cs.r.ThetaTY()
	rhs := mat.NewVecDense(c, nil)
	for a := range c {
		rhs.SetVec(a, -cs.d[a])
	}
	free := make([]*mat.VecDense, k) // H⁻¹ r_i
	for i := range k {
		ri := mat.NewVecDense(p, nil)
		for j := range p {
			ri.SetVec(j, thy.At(j, i)+U[i][j]/cs.nu)
		}
		free[i] = mat.NewVecDense(p, nil)
		cs.H.SolveVecTo(free[i], ri)
		var t mat.VecDense
		t.MulVec(cs.C.Slice(0, c, i*p, (i+1)*p), free[i])
		rhs.AddVec(rhs, &t)
	}
	lam := mat.NewVecDense(c, nil)
	cs.S.SolveVecTo(lam, rhs)
	for i := range k {
		var t mat.VecDense
		t.MulVec(cs.HiCt[i], lam)
		for j := range p {
			W[i][j] = free[i].AtVec(j) - t.AtVec(j)
		}
	}
}

// refit replaces U by the least-squares fit on U's support that satisfies
// the constraints exactly, solving the KKT system.
func (cs *constraints) refit(U [][]float64) error {
	p, k := cs.p, cs.k
	c := len(cs.d)
	G := cs.r.Gram()
	thy := cs.r.ThetaTY()
	var vars []int // flat indices i*p+j on the support
	for i := range k {
		for j := range p {
			if U[i][j] != 0 {
				vars = append(vars, i*p+j)
			}
		}
	}
	n := len(vars) + c
	// Scale the constraint rows to the size of ΘᵀΘ so the KKT matrix is
	// balanced; this changes only the multipliers.
	var gamma float64
	for j := range p {
		gamma += G.At(j, j) / float64(p)
	}
	if !(gamma > 0) {
		gamma = 1
	}
	K := mat.NewDense(n, n, nil)
	rhs := mat.NewVecDense(n, nil)
	for a, va := range vars {
		ia, ja := va/p, va%p
		for b, vb := range vars {
			if vb/p == ia {
				K.Set(a, b, G.At(ja, vb%p))
			}
		}
		rhs.SetVec(a, thy.At(ja, ia))
		for q := range c {
			K.Set(a, len(vars)+q, gamma*cs.C.At(q, va))
			K.Set(len(vars)+q, a, gamma*cs.C.At(q, va))
		}
	}
	for q := range c {
		rhs.SetVec(len(vars)+q, gamma*cs.d[q])
	}
	var lu mat.LU
	lu.Factorize(K)
	sol := mat.NewVecDense(n, nil)
	// A near-singular KKT matrix comes back as a mat.Condition error with
	// a solution; only an exactly singular or hopeless one is fatal.
	err := lu.SolveVecTo(sol, false, rhs)
	if cond := lu.Cond(); (err != nil && cond > 1e15) || !allFinite(sol.RawVector().Data) {
		return fmt.Errorf("%w: no least-squares fit on the %d selected terms satisfies the constraints (KKT condition number %.3g)", ErrInfeasible, len(vars), cond)
	}
	for i := range k {
		for j := range p {
			U[i][j] = 0
		}
	}
	for a, v := range vars {
		U[v/p][v%p] = sol.AtVec(a)
	}
	return nil
}
