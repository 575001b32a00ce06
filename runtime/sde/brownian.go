package sde

import (
	"fmt"
	"math"
)

// BrownianPath is one sample path of an m-dimensional standard Wiener
// process W on [t0, t1], queried by increments. Implementations answer the
// same query with the same numbers every time, in any order, so adaptive
// solvers may reject steps and retry smaller ones, and adjoint methods may
// run backwards over the same path.
type BrownianPath interface {
	// Dim is m, the number of independent Wiener processes.
	Dim() int
	// Span is the time interval [t0, t1] the path is defined on.
	Span() (t0, t1 float64)
	// Increment writes W(t) − W(s) into dw (len m). s > t is allowed and
	// gives the negated forward increment.
	Increment(s, t float64, dw []float64)
}

// LevyPath is a Brownian path that also gives the space-time Lévy area
//
//	H(s,t) = 1/(t−s) ∫_s^t (W(r) − W(s) − (r−s)/(t−s)·(W(t) − W(s))) dr,
//
// a N(0, (t−s)/12) variable independent of the increment. The order-1.5
// methods need it through I_(1,0) = ∫_s^t (W(r) − W(s)) dr = (t−s)(ΔW/2 + H).
type LevyPath interface {
	BrownianPath
	// IncrementLevy writes W(t) − W(s) into dw and H over the interval into
	// h. For s > t, dw is W(t) − W(s) and h is the area of [t, s] (which is
	// unchanged by reversing time).
	IncrementLevy(s, t float64, dw, h []float64)
}

// BrownianTree is a virtual Brownian tree (diffrax's VirtualBrownianTree,
// torchsde's BrownianInterval): the path on [t0, t1] is defined by
// recursively bisecting the interval and sampling each midpoint — value and
// space-time Lévy area — from the Brownian bridge conditioned on the parent
// interval, with the randomness of every dyadic node drawn from a
// counter-based stream keyed by (seed, node). Nothing is stored: memory is
// O(m) whatever the queries, and every query gives the same answer.
//
// Below the tolerance tol the path is the conditional mean given the leaf's
// increment and Lévy area (a quadratic in t), so W and ∫W are continuous and
// exactly additive: Increment(s,u) = Increment(s,t) + Increment(t,u) up to
// rounding. Points on the dyadic grid of spacing ≥ tol are exact samples.
//
// A BrownianTree caches its last few evaluations and is not safe for
// concurrent use; build one per goroutine (they are cheap).
type BrownianTree struct {
	t0, t1, tol float64
	m           int
	seed        uint64
	maxDepth    int

	// per-query scratch
	curW, curH, accW, accK []float64
	// small cache of evaluated points (t, W(t), K(t)), K(t) = ∫_{t0}^t W.
	cacheT    [4]float64
	cacheOK   [4]bool
	cacheW    [4][]float64
	cacheK    [4][]float64
	cacheNext int
	// scratch for the second endpoint
	w2, k2 []float64
}

// NewBrownianTree returns the Brownian path with m components on [t0, t1]
// determined by seed, resolved to tol (tol ≤ 0 means (t1−t0)·2⁻²⁰). Solvers
// should use steps no smaller than tol for exact statistics.
func NewBrownianTree(t0, t1 float64, m int, seed uint64, tol float64) *BrownianTree {
	b := new(BrownianTree)
	b.init(t0, t1, m, seed, tol)
	return b
}

// init makes b the tree NewBrownianTree(t0, t1, m, seed, tol) returns,
// reusing its buffers when they have room for m components.
func (b *BrownianTree) init(t0, t1 float64, m int, seed uint64, tol float64) {
	if !(t1 > t0) || math.IsInf(t1-t0, 0) || m < 1 {
		panic(fmt.Sprintf("sde: NewBrownianTree needs t0 < t1 finite and m ≥ 1, got [%g, %g], m=%d", t0, t1, m))
	}
	if tol <= 0 {
		tol = (t1 - t0) / (1 << 20)
	}
	buf := func(x []float64) []float64 {
		if cap(x) < m {
			return make([]float64, m)
		}
		return x[:m]
	}
	b.t0, b.t1, b.tol, b.m, b.seed, b.maxDepth = t0, t1, tol, m, seed, 0
	for l := t1 - t0; l > tol && b.maxDepth < 60; l /= 2 {
		b.maxDepth++
	}
	b.curW, b.curH, b.accW, b.accK = buf(b.curW), buf(b.curH), buf(b.accW), buf(b.accK)
	b.w2, b.k2 = buf(b.w2), buf(b.k2)
	for i := range b.cacheW {
		b.cacheW[i], b.cacheK[i] = buf(b.cacheW[i]), buf(b.cacheK[i])
		b.cacheOK[i] = false
	}
	b.cacheNext = 0
}

// Dim returns m.
func (b *BrownianTree) Dim() int { return b.m }

// Span returns [t0, t1].
func (b *BrownianTree) Span() (float64, float64) { return b.t0, b.t1 }

// Tol returns the resolution of the tree.
func (b *BrownianTree) Tol() float64 { return b.tol }

// Eval writes W(t) − W(t0) into w.
func (b *BrownianTree) Eval(t float64, w []float64) {
	k := b.point(t)
	copy(w[:b.m], b.cacheW[k])
}

// Increment writes W(t) − W(s) into dw.
func (b *BrownianTree) Increment(s, t float64, dw []float64) {
	ks := b.point(s)
	copy(b.w2, b.cacheW[ks])
	kt := b.point(t)
	wt := b.cacheW[kt]
	for i := range dw[:b.m] {
		dw[i] = wt[i] - b.w2[i]
	}
}

// IncrementLevy writes W(t) − W(s) into dw and the space-time Lévy area of
// the interval into h.
func (b *BrownianTree) IncrementLevy(s, t float64, dw, h []float64) {
	if s > t {
		b.IncrementLevy(t, s, dw, h)
		for i := range dw[:b.m] {
			dw[i] = -dw[i]
		}
		return
	}
	ks := b.point(s)
	copy(b.w2, b.cacheW[ks])
	copy(b.k2, b.cacheK[ks])
	kt := b.point(t)
	wt, kk := b.cacheW[kt], b.cacheK[kt]
	d := t - s
	for i := range dw[:b.m] {
		dw[i] = wt[i] - b.w2[i]
		if d > 0 {
			h[i] = (kk[i]-b.k2[i]-d*b.w2[i])/d - dw[i]/2
		} else {
			h[i] = 0
		}
	}
}

// point evaluates (W(t), K(t)) into a cache slot and returns its index.
func (b *BrownianTree) point(t float64) int {
	for i := range b.cacheT {
		if b.cacheOK[i] && b.cacheT[i] == t {
			return i
		}
	}
	if !(t >= b.t0 && t <= b.t1) {
		panic(fmt.Sprintf("sde: Brownian tree queried at t=%g outside [%g, %g]", t, b.t0, b.t1))
	}
	k := b.cacheNext
	b.cacheNext = (b.cacheNext + 1) % len(b.cacheT)
	b.eval(t, b.cacheW[k], b.cacheK[k])
	b.cacheT[k] = t
	b.cacheOK[k] = true
	return k
}

// eval descends the tree to t.
func (b *BrownianTree) eval(t float64, w, kint []float64) {
	m := b.m
	s, L := b.t0, b.t1-b.t0
	r := newRNG(b.seed, 0)
	sqL, sqL12 := math.Sqrt(L), math.Sqrt(L/12)
	for i := 0; i < m; i++ {
		b.curW[i] = sqL * r.norm()
		b.curH[i] = sqL12 * r.norm()
		b.accW[i] = 0
		b.accK[i] = 0
	}
	id := uint64(1)
	for depth := 0; depth < b.maxDepth; depth++ {
		half := L / 2
		mid := s + half
		right := t >= mid
		r := newRNG(b.seed, id)
		c8, c32, c24 := math.Sqrt(half/8), math.Sqrt(half/32), math.Sqrt(half/24)
		for i := 0; i < m; i++ {
			y, u := r.norm(), r.norm()
			W, H := b.curW[i], b.curH[i]
			w1 := W/2 + 1.5*H + c8*y
			if right {
				h1 := H/4 - c32*y + c24*u
				b.accK[i] += half * (b.accW[i] + w1/2 + h1)
				b.accW[i] += w1
				b.curW[i] = W - w1
				b.curH[i] = H/4 - c32*y - c24*u
			} else {
				b.curW[i] = w1
				b.curH[i] = H/4 - c32*y + c24*u
			}
		}
		id <<= 1
		if right {
			id |= 1
			s = mid
		}
		L = half
	}
	// Conditional mean of the bridge inside the leaf [s, s+L].
	th := (t - s) / L
	if th < 0 {
		th = 0
	} else if th > 1 {
		th = 1
	}
	for i := 0; i < m; i++ {
		W, H := b.curW[i], b.curH[i]
		w[i] = b.accW[i] + th*W + 6*th*(1-th)*H
		kint[i] = b.accK[i] + (t-s)*b.accW[i] + L*(th*th*W/2+(3*th*th-2*th*th*th)*H)
	}
}

// BrownianGrid is a Brownian path sampled on a fixed grid t0 + k·dt,
// k = 0..steps: one Gaussian increment (and, if asked for, one Lévy area) per
// step, generated up front from a seeded stream. It is the fast path for
// fixed-step solving; queries must fall on grid points. It is safe for
// concurrent reads.
type BrownianGrid struct {
	t0, dt float64
	steps  int
	m      int
	levy   bool
	dW, H  []float64
}

// NewBrownianGrid samples a path with m components on steps steps of dt
// from t0, with space-time Lévy areas when levy is set (needed by sra1,
// sra3 and sriw1).
func NewBrownianGrid(t0, dt float64, steps, m int, seed uint64, levy bool) *BrownianGrid {
	if !(dt > 0) || steps < 1 || m < 1 {
		panic(fmt.Sprintf("sde: NewBrownianGrid needs dt > 0, steps ≥ 1, m ≥ 1; got dt=%g steps=%d m=%d", dt, steps, m))
	}
	g := &BrownianGrid{t0: t0, dt: dt, steps: steps, m: m, levy: levy}
	g.dW = make([]float64, steps*m)
	if levy {
		g.H = make([]float64, steps*m)
	}
	g.Reseed(seed)
	return g
}

// Reseed redraws the path for a new seed in place (no allocation).
func (g *BrownianGrid) Reseed(seed uint64) {
	r := newRNG(seed, 0)
	sq, sq12 := math.Sqrt(g.dt), math.Sqrt(g.dt/12)
	m := g.m
	for k := 0; k < g.steps; k++ {
		r.fillNorm(g.dW[k*m:(k+1)*m], sq)
		if g.levy {
			r.fillNorm(g.H[k*m:(k+1)*m], sq12)
		}
	}
}

// Dim returns m.
func (g *BrownianGrid) Dim() int { return g.m }

// Span returns [t0, t0 + steps·dt].
func (g *BrownianGrid) Span() (float64, float64) { return g.t0, g.t0 + float64(g.steps)*g.dt }

// Step returns the grid spacing.
func (g *BrownianGrid) Step() float64 { return g.dt }

// HasLevy reports whether the grid carries Lévy areas.
func (g *BrownianGrid) HasLevy() bool { return g.levy }

// index returns k with t = t0 + k·dt, and whether t is on the grid.
func (g *BrownianGrid) index(t float64) (int, bool) {
	x := (t - g.t0) / g.dt
	k := math.Round(x)
	if math.Abs(x-k) > 1e-7*math.Max(1, math.Abs(x)) || k < 0 || k > float64(g.steps) {
		return 0, false
	}
	return int(k), true
}

func (g *BrownianGrid) indices(s, t float64) (int, int) {
	i, ok1 := g.index(s)
	j, ok2 := g.index(t)
	if !ok1 || !ok2 {
		panic(fmt.Sprintf("sde: BrownianGrid queried on [%g, %g], not on its grid t0=%g dt=%g steps=%d", s, t, g.t0, g.dt, g.steps))
	}
	return i, j
}

// Increment writes W(t) − W(s); s and t must be grid points.
func (g *BrownianGrid) Increment(s, t float64, dw []float64) {
	i, j := g.indices(s, t)
	m := g.m
	if j == i+1 {
		copy(dw[:m], g.dW[i*m:j*m])
		return
	}
	sign := 1.0
	if j < i {
		i, j, sign = j, i, -1
	}
	for c := range dw[:m] {
		dw[c] = 0
	}
	for k := i; k < j; k++ {
		for c, v := range g.dW[k*m : k*m+m] {
			dw[c] += v
		}
	}
	if sign < 0 {
		for c := range dw[:m] {
			dw[c] = -dw[c]
		}
	}
}

// IncrementLevy writes W(t) − W(s) and the Lévy area of the interval; s and
// t must be grid points and the grid must have been built with levy set.
func (g *BrownianGrid) IncrementLevy(s, t float64, dw, h []float64) {
	if !g.levy {
		panic("sde: BrownianGrid built without Lévy area")
	}
	i, j := g.indices(s, t)
	m := g.m
	if j == i+1 {
		copy(dw[:m], g.dW[i*m:j*m])
		copy(h[:m], g.H[i*m:j*m])
		return
	}
	neg := false
	if j < i {
		i, j, neg = j, i, true
	}
	if i == j {
		for c := range dw[:m] {
			dw[c], h[c] = 0, 0
		}
		return
	}
	// ∫(W − W(s)) = Σ_k dt·(W_k − W(s)) + dt·(ΔW_k/2 + H_k).
	for c := 0; c < m; c++ {
		w, area := 0.0, 0.0
		for k := i; k < j; k++ {
			d := g.dW[k*m+c]
			area += g.dt * (w + d/2 + g.H[k*m+c])
			w += d
		}
		T := float64(j-i) * g.dt
		dw[c] = w
		h[c] = area/T - w/2
		if neg {
			dw[c] = -w
		}
	}
}
