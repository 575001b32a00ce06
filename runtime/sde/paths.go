package sde

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"runtime"
	"sync"
	"sync/atomic"
)

// ChunkPaths is the number of paths SolvePaths advances together in
// fixed-step mode. Chunk c draws its Brownian increments from its own stream
// (seed, c), so results depend on the seed and on this constant, never on
// the number of goroutines.
const ChunkPaths = 128

// Ensemble is the result of SolvePaths: statistics at every save time and,
// with Options.KeepPaths, every path.
type Ensemble struct {
	T     []float64
	N     int // state dimension
	Paths int
	// Mean and the 5%, 50% and 95% quantiles (linear interpolation between
	// order statistics) of each component at each save time: Mean[k][i].
	Mean, Q05, Q50, Q95 [][]float64
	// Y holds every path when Options.KeepPaths is set:
	// component i of path p at T[k] is Y[(k*Paths+p)*N+i]; see At.
	Y     []float64
	Stats Stats
}

// At returns the state of path p at T[k] (KeepPaths only).
func (e *Ensemble) At(k, p int) []float64 {
	o := (k*e.Paths + p) * e.N
	return e.Y[o : o+e.N : o+e.N]
}

// SolvePaths solves paths independent sample paths of sys from y0 over ts
// (strictly increasing), across GOMAXPROCS goroutines (Options.Workers), and
// returns the mean and 5/50/95% quantiles at each save time, plus every path
// when Options.KeepPaths is set. The Brownian paths are determined by seed.
//
// Fixed-step solves advance ChunkPaths paths in lockstep with Brownian
// increments drawn from a fast per-chunk stream; when sys implements
// BatchSystem, Euler–Maruyama and SRIW1 evaluate drift and diffusion for a
// whole chunk at once (structure of arrays). Adaptive solves give every path
// its own BrownianTree (seed derived from seed and the path index).
//
// sys is evaluated from several goroutines at once unless it implements
// Replicator, in which case each goroutine gets its own replica (a replica
// that is nil or of another shape is an ErrReplica).
//
// The results take 8·len(ts)·Dim·paths bytes, with or without KeepPaths
// (which hands them over as Ensemble.Y); a request too large to index is
// an ErrTooLarge.
func SolvePaths(sys System, y0, ts []float64, paths int, seed uint64, opts *Options) (*Ensemble, error) {
	if paths < 1 {
		return nil, fmt.Errorf("%w (got %d)", ErrPaths, paths)
	}
	proto, err := NewSolver(sys, opts)
	if err != nil {
		return nil, err
	}
	n := sys.Dim()
	if len(y0) != n {
		return nil, fmt.Errorf("%w: len(y0) = %d, system dimension %d", ErrDim, len(y0), n)
	}
	if err := checkTimes(ts); err != nil {
		return nil, err
	}
	o := proto.o
	workers := o.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	K := len(ts)
	if paths > maxValues/(K*n) {
		return nil, fmt.Errorf("%w: %d paths × %d save times × %d components", ErrTooLarge, paths, K, n)
	}
	// Workers never exceed the units of work they share.
	units := paths
	if !o.Adaptive {
		units = (paths + ChunkPaths - 1) / ChunkPaths
	}
	systems, err := replicas(sys, min(workers, units))
	if err != nil {
		return nil, err
	}
	// With KeepPaths the results are written straight into the layout
	// Ensemble.Y documents, so they are held once; otherwise component by
	// component, so that each statistic reads one contiguous column.
	all := &results{v: make([]float64, K*n*paths), n: n, paths: paths, byPath: o.KeepPaths}
	e := &Ensemble{T: append([]float64(nil), ts...), N: n, Paths: paths}
	if o.Adaptive {
		err = solvePathsAdaptive(systems, proto, y0, ts, paths, seed, all, &e.Stats)
	} else {
		err = solvePathsFixed(systems, proto, y0, ts, paths, seed, all, &e.Stats)
	}
	if err != nil {
		return nil, err
	}
	if o.KeepPaths {
		e.Y = all.v
	}
	e.Mean, e.Q05, e.Q50, e.Q95 = grid2(K, n), grid2(K, n), grid2(K, n), grid2(K, n)
	var scratch [][]float64
	if o.KeepPaths {
		scratch = make([][]float64, min(workers, K*n))
		for w := range scratch {
			scratch[w] = make([]float64, paths)
		}
	}
	parallelFor(K*n, workers, func(w, j int) {
		k, i := j/n, j%n
		var col []float64
		if o.KeepPaths {
			col = all.gather(k, i, scratch[w])
		} else {
			col = all.v[j*paths : (j+1)*paths]
		}
		s := 0.0
		for _, v := range col {
			s += v
		}
		e.Mean[k][i] = s / float64(paths)
		var q [3]float64
		quantiles(col, []float64{0.05, 0.5, 0.95}, q[:])
		e.Q05[k][i], e.Q50[k][i], e.Q95[k][i] = q[0], q[1], q[2]
	})
	return e, nil
}

// results holds the state of every path at every save time: v[(k*n+i)*paths+p]
// (by component), or v[(k*paths+p)*n+i] (byPath, Ensemble.Y's layout).
type results struct {
	v        []float64
	n, paths int
	byPath   bool
}

// put stores component i of paths p0, p0+1, … at save k from src.
func (r *results) put(k, i, p0 int, src []float64) {
	if !r.byPath {
		o := (k*r.n+i)*r.paths + p0
		copy(r.v[o:o+len(src)], src)
		return
	}
	o := (k*r.paths+p0)*r.n + i
	for _, v := range src {
		r.v[o] = v
		o += r.n
	}
}

// gather copies component i at save k of every path into dst.
func (r *results) gather(k, i int, dst []float64) []float64 {
	o := k*r.paths*r.n + i
	for p := range dst {
		dst[p] = r.v[o+p*r.n]
	}
	return dst
}

// maxValues bounds the float64 values SolvePaths holds, so that sizes and
// byte counts cannot overflow an int.
const maxValues = math.MaxInt / 16

// replicas returns one system per worker goroutine (sys itself unless it
// is a Replicator), checking that each replica has sys's shape: a bad
// replica is an error here rather than a crash in a worker goroutine.
func replicas(sys System, workers int) ([]System, error) {
	out := make([]System, workers)
	for w := range out {
		r := replicaOf(sys)
		if isNil(r) {
			return nil, fmt.Errorf("%w: %T.Replica returned nil", ErrReplica, sys)
		}
		if r.Dim() != sys.Dim() || r.NoiseDim() != sys.NoiseDim() || r.Noise() != sys.Noise() {
			return nil, fmt.Errorf("%w: %T.Replica returned Dim %d, NoiseDim %d, %v noise for Dim %d, NoiseDim %d, %v noise",
				ErrReplica, sys, r.Dim(), r.NoiseDim(), r.Noise(), sys.Dim(), sys.NoiseDim(), sys.Noise())
		}
		out[w] = r
	}
	return out, nil
}

// isNil reports whether s is nil or a nil pointer, map, func or slice.
func isNil(s System) bool {
	if s == nil {
		return true
	}
	switch v := reflect.ValueOf(s); v.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Func, reflect.Slice, reflect.Interface, reflect.Chan:
		return v.IsNil()
	}
	return false
}

func grid2(a, b int) [][]float64 {
	flat := make([]float64, a*b)
	out := make([][]float64, a)
	for i := range out {
		out[i] = flat[i*b : (i+1)*b : (i+1)*b]
	}
	return out
}

// parallelFor runs body(w, 0..n-1) on up to workers goroutines, w being
// the goroutine's index.
func parallelFor(n, workers int, body func(w, i int)) {
	if workers > n {
		workers = n
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				body(w, i)
			}
		}()
	}
	wg.Wait()
}

// firstError keeps the error of the lowest path index.
type firstError struct {
	mu   sync.Mutex
	err  *SolveError
	stop atomic.Bool
}

func (f *firstError) set(e *SolveError) {
	f.mu.Lock()
	if f.err == nil || e.Path < f.err.Path {
		f.err = e
	}
	f.mu.Unlock()
	f.stop.Store(true)
}

func (f *firstError) get() error {
	if f.err == nil {
		return nil
	}
	return f.err
}

func solvePathsAdaptive(systems []System, proto *Solver, y0, ts []float64, paths int, seed uint64, all *results, st *Stats) error {
	n, K := len(y0), len(ts)
	var fe firstError
	var mu sync.Mutex
	var next atomic.Int64
	var wg sync.WaitGroup
	solvers := make([]*Solver, len(systems))
	for w, sys := range systems {
		var err error
		if solvers[w], err = NewSolver(sys, &proto.o); err != nil {
			return fmt.Errorf("%w: %w", ErrReplica, err)
		}
	}
	for _, s := range solvers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sol := new(Solution)
			var local Stats
			tree := new(BrownianTree)
			for !fe.stop.Load() {
				p := int(next.Add(1) - 1)
				if p >= paths {
					break
				}
				tree.init(ts[0], ts[K-1], proto.p.m, splitmix64(seed^uint64(p)*0x9e3779b97f4a7c15), (ts[K-1]-ts[0])/(1<<24))
				err := s.Solve(y0, ts, tree, sol)
				local.NFE += sol.Stats.NFE
				local.NDiff += sol.Stats.NDiff
				local.Accepted += sol.Stats.Accepted
				local.Rejected += sol.Stats.Rejected
				if err != nil {
					var se *SolveError
					if errors.As(err, &se) {
						se.Path = p
						fe.set(se)
					} else {
						fe.set(&SolveError{Method: proto.info.Name, Path: p, T: ts[0], Err: err})
					}
					break
				}
				for k := 0; k < K; k++ {
					for i := 0; i < n; i++ {
						all.put(k, i, p, sol.Y[k][i:i+1])
					}
				}
			}
			mu.Lock()
			st.NFE += local.NFE
			st.NDiff += local.NDiff
			st.Accepted += local.Accepted
			st.Rejected += local.Rejected
			mu.Unlock()
		}()
	}
	wg.Wait()
	return fe.get()
}

// stepPlan is one fixed step; save ≥ 0 marks the save index it ends on.
type stepPlan struct {
	t, h float64
	save int
}

func planSteps(ts []float64, dt float64) []stepPlan {
	var plan []stepPlan
	clk := fixedClock{t0: ts[0], dt: dt}
	t := ts[0]
	for k := 1; k < len(ts); k++ {
		for t < ts[k] {
			tn := clk.next(ts[k])
			s := -1
			if tn == ts[k] {
				s = k
			}
			plan = append(plan, stepPlan{t: t, h: tn - t, save: s})
			t = tn
		}
	}
	return plan
}

func solvePathsFixed(systems []System, proto *Solver, y0, ts []float64, paths int, seed uint64, all *results, st *Stats) error {
	dt := proto.o.Dt
	if dt == 0 {
		dt = (ts[len(ts)-1] - ts[0]) / 1000
	}
	plan := planSteps(ts, dt)
	if proto.o.MaxSteps > 0 && len(plan) > proto.o.MaxSteps {
		return &SolveError{Method: proto.info.Name, T: ts[0], H: dt, Path: 0, Err: ErrMaxSteps}
	}
	chunks := (paths + ChunkPaths - 1) / ChunkPaths
	var fe firstError
	var mu sync.Mutex
	var next atomic.Int64
	var wg sync.WaitGroup
	for _, sys := range systems {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cw := newChunkWorker(sys, proto)
			for !fe.stop.Load() {
				c := int(next.Add(1) - 1)
				if c >= chunks {
					break
				}
				if se := cw.run(c, y0, plan, paths, seed, all); se != nil {
					fe.set(se)
					break
				}
			}
			mu.Lock()
			st.NFE += cw.p.nfe
			st.NDiff += cw.p.ng
			st.Accepted += cw.steps
			mu.Unlock()
		}()
	}
	wg.Wait()
	return fe.get()
}

// chunkWorker advances one chunk of paths at a time, structure of arrays:
// component i of path p is Y[i*cs+p] for a chunk of cs paths.
type chunkWorker struct {
	p     *problem
	info  MethodInfo
	batch BatchSystem
	kern  func(cw *chunkWorker, t, h float64, cs int)
	steps int

	Y, Yn []float64
	dW, H []float64
	// per-path fallback
	st          []stepper // one per path for stateful methods, else one
	y, yo, w, a []float64
	// batched scratch
	F, G   [][]float64
	H0, H1 []float64
	A      []float64 // SRIW1: per-channel weights of G3 and G4
}

func newChunkWorker(sys System, proto *Solver) *chunkWorker {
	p := newProblem(sys)
	n, m, C := p.n, p.m, ChunkPaths
	cw := &chunkWorker{p: p, info: proto.info}
	cw.Y, cw.Yn = make([]float64, n*C), make([]float64, n*C)
	cw.dW, cw.H = make([]float64, m*C), make([]float64, m*C)
	if b, ok := sys.(BatchSystem); ok {
		switch proto.info.Name {
		case MethodEuler:
			cw.batch, cw.kern = b, (*chunkWorker).eulerBatch
			cw.G = [][]float64{make([]float64, gLen(p.kind, n, m)*C)}
			cw.F = [][]float64{make([]float64, n*C)}
		case MethodSRIW1:
			cw.batch, cw.kern = b, (*chunkWorker).sriBatch
			s := len(sriw1Tableau.alpha)
			cw.F, cw.G = make([][]float64, s), make([][]float64, s)
			for i := range cw.F {
				cw.F[i] = make([]float64, n*C)
				cw.G[i] = make([]float64, n*C)
			}
			cw.H0, cw.H1 = make([]float64, n*C), make([]float64, n*C)
			cw.A = make([]float64, 2*m*C)
		}
	}
	if cw.kern == nil {
		st := proto.info.newStepper(p)
		cw.st = []stepper{st}
		if _, ok := st.(statefulStepper); ok {
			for len(cw.st) < C {
				cw.st = append(cw.st, proto.info.newStepper(p))
			}
		}
		cw.y, cw.yo = make([]float64, n), make([]float64, n)
		cw.w, cw.a = make([]float64, m), make([]float64, m)
	}
	return cw
}

func (cw *chunkWorker) run(c int, y0 []float64, plan []stepPlan, paths int, seed uint64, all *results) *SolveError {
	p := cw.p
	n, m := p.n, p.m
	p0 := c * ChunkPaths
	cs := min(ChunkPaths, paths-p0)
	r := newRNG(seed, uint64(c)+1)
	Y := cw.Y[:n*cs]
	for i := 0; i < n; i++ {
		for q := 0; q < cs; q++ {
			Y[i*cs+q] = y0[i]
		}
		all.put(0, i, p0, Y[i*cs:(i+1)*cs])
	}
	if cw.kern == nil {
		if _, ok := cw.st[0].(statefulStepper); ok {
			for q := 0; q < cs; q++ {
				cw.st[q].(statefulStepper).reset(plan[0].t, y0)
			}
		}
	}
	levy := cw.info.Levy
	for _, sp := range plan {
		r.fillNorm(cw.dW[:m*cs], math.Sqrt(sp.h))
		if levy {
			r.fillNorm(cw.H[:m*cs], math.Sqrt(sp.h/12))
		}
		if cw.kern != nil {
			cw.kern(cw, sp.t, sp.h, cs)
		} else {
			cw.perPath(sp.t, sp.h, cs)
		}
		cw.steps += cs
		Y = cw.Y[:n*cs]
		bad := 0.0
		for _, v := range Y {
			bad += v - v
		}
		if bad != 0 || math.IsNaN(bad) {
			for q := 0; q < cs; q++ {
				for i := 0; i < n; i++ {
					if v := Y[i*cs+q]; math.IsNaN(v) || math.IsInf(v, 0) {
						return &SolveError{Method: cw.info.Name, T: sp.t, H: sp.h, Path: p0 + q, Err: ErrNonFinite}
					}
				}
			}
		}
		if sp.save >= 0 {
			k := sp.save
			for i := 0; i < n; i++ {
				all.put(k, i, p0, Y[i*cs:(i+1)*cs])
			}
		}
	}
	return nil
}

// perPath steps every path of the chunk with the single-path stepper.
func (cw *chunkWorker) perPath(t, h float64, cs int) {
	p := cw.p
	n, m := p.n, p.m
	levy := cw.info.Levy
	for q := 0; q < cs; q++ {
		for i := 0; i < n; i++ {
			cw.y[i] = cw.Y[i*cs+q]
		}
		for j := 0; j < m; j++ {
			cw.w[j] = cw.dW[j*cs+q]
			if levy {
				cw.a[j] = cw.H[j*cs+q]
			}
		}
		st := cw.st[0]
		if len(cw.st) > 1 {
			st = cw.st[q]
		}
		st.step(t, h, cw.y, cw.w, cw.a, cw.yo)
		for i := 0; i < n; i++ {
			cw.Y[i*cs+q] = cw.yo[i]
		}
	}
}

// eulerBatch is Euler–Maruyama over a chunk.
func (cw *chunkWorker) eulerBatch(t, h float64, cs int) {
	p := cw.p
	n, m := p.n, p.m
	Y, F, G, dW := cw.Y[:n*cs], cw.F[0][:n*cs], cw.G[0], cw.dW
	cw.batch.DriftBatch(t, Y, F, cs)
	p.nfe += cs
	cw.batch.DiffusionBatch(t, Y, G[:gLen(p.kind, n, m)*cs], cs)
	p.ng += cs
	switch p.kind {
	case Diagonal:
		G, dW := G[:n*cs], dW[:n*cs]
		for j := range Y {
			Y[j] += h*F[j] + G[j]*dW[j]
		}
	case Scalar:
		dW := dW[:cs]
		for i := 0; i < n; i++ {
			y, f, g := Y[i*cs:(i+1)*cs], F[i*cs:(i+1)*cs], G[i*cs:(i+1)*cs]
			for q := range y {
				y[q] += h*f[q] + g[q]*dW[q]
			}
		}
	default:
		for i := 0; i < n; i++ {
			y, f := Y[i*cs:(i+1)*cs], F[i*cs:(i+1)*cs]
			for q := range y {
				y[q] += h * f[q]
			}
			for j := 0; j < m; j++ {
				g, w := G[(i*m+j)*cs:(i*m+j+1)*cs], dW[j*cs:(j+1)*cs]
				for q := range y {
					y[q] += g[q] * w[q]
				}
			}
		}
	}
}

// sriBatch is SRIW1 over a chunk (diagonal or scalar noise), the
// coefficients of sriw1Tableau written out; it computes what sri.step
// computes path by path, up to rounding. The iterated integrals are folded
// into one weight per channel and diffusion stage first, so the stage loops
// are plain fused multiply-adds over each component's row of the chunk.
func (cw *chunkWorker) sriBatch(t, h float64, cs int) {
	p := cw.p
	n, m := p.n, p.m
	N := n * cs
	sq := math.Sqrt(h)
	Y := cw.Y[:N]
	H0, H1 := cw.H0[:N], cw.H1[:N]
	F1, F2 := cw.F[0][:N], cw.F[1][:N]
	G1, G2, G3, G4 := cw.G[0][:N], cw.G[1][:N], cw.G[2][:N], cw.G[3][:N]
	// Per channel: 1.5·I_(k,0)/h (in place of the Lévy area H) and the
	// weights of G1…G4 in the final combination, built from ΔW, I_(k,0)/h,
	// I_(k,k)/√h and I_(k,k,k)/h.
	M := m * cs
	W, B0 := cw.dW[:M], cw.H[:M]
	A1, A2, A3, A4 := cw.F[2][:M], cw.F[3][:M], cw.A[:M], cw.A[M:2*M]
	inv2sq, inv6h := 0.5/sq, 1/(6*h)
	const c43, c23, c13, c53 = 4.0 / 3, 2.0 / 3, 1.0 / 3, 5.0 / 3
	for j, w := range W {
		i10 := 0.5*w + B0[j]
		i11 := (w*w - h) * inv2sq
		i111 := (w*w - 3*h) * w * inv6h
		B0[j] = 1.5 * i10
		A1[j] = -w - i11 + 2*i10 - 2*i111
		A2[j] = c43*w + c43*i11 - c43*i10 + c53*i111
		A3[j] = c23*w - c13*i11 - c23*i10 - c23*i111
		A4[j] = i111
	}
	b := cw.batch
	b.DriftBatch(t, Y, F1, cs)
	b.DiffusionBatch(t, Y, G1, cs)
	// ch returns the rows of channel data for component i.
	ch := func(x []float64, i int) []float64 {
		if p.kind == Diagonal {
			return x[i*cs : (i+1)*cs : (i+1)*cs]
		}
		return x[:cs:cs]
	}
	row := func(x []float64, i int) []float64 { return x[i*cs : (i+1)*cs : (i+1)*cs] }
	for i := 0; i < n; i++ {
		y, f, g, h0, h1, b0 := row(Y, i), row(F1, i), row(G1, i), row(H0, i), row(H1, i), ch(B0, i)
		for q := range y {
			h0[q] = y[q] + 0.75*h*f[q] + g[q]*b0[q]
			h1[q] = y[q] + 0.25*h*f[q] + 0.5*sq*g[q]
		}
	}
	b.DriftBatch(t+0.75*h, H0, F2, cs)
	b.DiffusionBatch(t+0.25*h, H1, G2, cs)
	for j := range H1 {
		H1[j] = Y[j] + h*F1[j] - sq*G1[j]
	}
	b.DiffusionBatch(t+h, H1, G3, cs)
	for j := range H1 {
		H1[j] = Y[j] + 0.25*h*F1[j] + sq*(-5*G1[j]+3*G2[j]+0.5*G3[j])
	}
	b.DiffusionBatch(t+0.25*h, H1, G4, cs)
	p.nfe += 2 * cs
	p.ng += 4 * cs
	for i := 0; i < n; i++ {
		y, f1, f2 := row(Y, i), row(F1, i), row(F2, i)
		g1, g2, g3, g4 := row(G1, i), row(G2, i), row(G3, i), row(G4, i)
		a1, a2, a3, a4 := ch(A1, i), ch(A2, i), ch(A3, i), ch(A4, i)
		for q := range y {
			y[q] += h*(c13*f1[q]+c23*f2[q]) + a1[q]*g1[q] + a2[q]*g2[q] + a3[q]*g3[q] + a4[q]*g4[q]
		}
	}
}
