// Command neuralsde fits a neural SDE dX = f_θ(X) dt + g_φ(X) ∘ dW, with
// drift f and diffusion g small MLPs, to sample paths of an
// Ornstein–Uhlenbeck process dX = κ(μ − X) dt + σ dW started at 0, by
// matching the mean and standard deviation of a batch of model paths to
// those of the data at several times. Gradients come from the stochastic
// adjoint (sde.AdjointGradient with reversible Heun: exact gradients of the
// discretised model, O(1) memory in the number of steps).
//
//	go run ./examples/neuralsde -iters 300 -paths 128 -seed 1 -out neuralsde.png
//
// It prints the learned and true statistics and draws true vs learned
// mean ± 2σ bands with a few sample paths of each.
package main

import (
	"flag"
	"fmt"
	"image/color"
	"io"
	"log"
	"math"
	"os"
	"runtime"
	"sync"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/nodekit/nodekit/internal/plotio"
	"github.com/nodekit/nodekit/runtime/nn"
	"github.com/nodekit/nodekit/runtime/sde"
)

// The data: an Ornstein–Uhlenbeck process (additive noise, so Itô and
// Stratonovich agree) observed on [0, T].
const (
	kappa, mu, sigma = 2.0, 1.0, 0.5
	horizon          = 2.0
	nObs             = 9 // observation times 0, 0.25, …, 2
	dataPaths        = 4096
	dt               = 0.05
)

func trueMean(t float64) float64 { return mu * (1 - math.Exp(-kappa*t)) }
func trueStd(t float64) float64 {
	return sigma * math.Sqrt((1-math.Exp(-2*kappa*t))/(2*kappa))
}

// neuralSDE is a one-dimensional SDE with an MLP drift and a softplus-MLP
// diffusion (diagonal noise), read in the Stratonovich sense. Params is one
// flat vector that both networks alias: drift weights first.
type neuralSDE struct {
	params      []float64
	drift, diff *nn.MLP
	nd          int
}

func newNeuralSDE(hidden int, seed uint64) *neuralSDE {
	rng := nn.NewRNG(seed)
	f := nn.NewMLP([]int{1, hidden, hidden, 1}, nn.Tanh, rng)
	g := nn.NewMLPWith(nn.MLPOptions{Sizes: []int{1, hidden, 1}, Act: nn.Tanh, OutAct: nn.Softplus, RNG: rng})
	m := &neuralSDE{drift: f, diff: g, nd: f.NumParams()}
	m.params = append(append([]float64(nil), f.Params()...), g.Params()...)
	f.SetParams(m.params[:m.nd:m.nd])
	g.SetParams(m.params[m.nd:])
	return m
}

func (m *neuralSDE) Dim() int                            { return 1 }
func (m *neuralSDE) Noise() sde.NoiseKind                { return sde.Diagonal }
func (m *neuralSDE) NoiseDim() int                       { return 1 }
func (m *neuralSDE) Params() []float64                   { return m.params }
func (m *neuralSDE) Func(_ float64, y, dy []float64)     { m.drift.Forward(y, dy, 1) }
func (m *neuralSDE) Diffusion(_ float64, y, g []float64) { m.diff.Forward(y, g, 1) }
func (m *neuralSDE) Replica() sde.System                 { return m.clone() }
func (m *neuralSDE) VJP(_ float64, y, a, ay, ap []float64) {
	m.drift.VJP(y, a, ay, part(ap, 0, m.nd), 1)
}
func (m *neuralSDE) DiffusionVJP(_ float64, y, b, ay, ap []float64) {
	m.diff.VJP(y, b, ay, part(ap, m.nd, len(m.params)), 1)
}

func part(p []float64, lo, hi int) []float64 {
	if p == nil {
		return nil
	}
	return p[lo:hi]
}

// clone shares the parameters and has its own network workspaces.
func (m *neuralSDE) clone() *neuralSDE {
	return &neuralSDE{params: m.params, drift: m.drift.Clone(), diff: m.diff.Clone(), nd: m.nd}
}

// config is what main's flags set.
type config struct {
	iters, paths int
	seed         uint64
	lr           float64
	log          io.Writer // progress lines, or nil
}

// stats are the mean and standard deviation at the observation times.
type stats struct{ mean, std []float64 }

type result struct {
	model         *neuralSDE
	ts            []float64
	data, learned stats
	losses        []float64
}

func obsTimes() []float64 {
	ts := make([]float64, nObs)
	for k := range ts {
		ts[k] = horizon * float64(k) / (nObs - 1)
	}
	return ts
}

// simulate returns the statistics of n paths of sys from 0 and the
// ensemble (every path kept). The data are solved with SRA1 at dt/4
// (accurate); the model with the method and step it was trained with.
func simulate(sys sde.System, method string, ts []float64, n int, seed uint64) (stats, *sde.Ensemble, error) {
	step := dt
	if method == sde.MethodSRA1 {
		step = dt / 4
	}
	e, err := sde.SolvePaths(sys, []float64{0}, ts, n, seed, &sde.Options{Method: method, Dt: step, KeepPaths: true})
	if err != nil {
		return stats{}, nil, err
	}
	s := stats{mean: make([]float64, len(ts)), std: make([]float64, len(ts))}
	for k := range ts {
		var s1, s2 float64
		for p := 0; p < n; p++ {
			v := e.At(k, p)[0]
			s1 += v
			s2 += v * v
		}
		s.mean[k] = s1 / float64(n)
		s.std[k] = math.Sqrt(math.Max(0, s2/float64(n)-s.mean[k]*s.mean[k]))
	}
	return s, e, nil
}

func ouSystem() *sde.Func {
	return &sde.Func{N: 1, M: 1, Kind: sde.Additive,
		F: func(_ float64, y, dy []float64) { dy[0] = kappa * (mu - y[0]) },
		G: func(_ float64, _, g []float64) { g[0] = sigma },
	}
}

// train fits the neural SDE to the data's statistics. The loss of a batch
// of model paths X_p is Σ_k (mean_k − m̂_k)² + (std_k − ŝ_k)² over the
// observation times after 0; its gradient with respect to X_p(t_k) is
// handed to the stochastic adjoint path by path.
func train(cfg config) (*result, error) {
	target, _, err := simulate(ouSystem(), sde.MethodSRA1, obsTimes(), dataPaths, cfg.seed^0xda7a)
	if err != nil {
		return nil, err
	}
	model := newNeuralSDE(16, cfg.seed)
	ts := obsTimes()
	B, P := cfg.paths, len(model.params)
	workers := runtime.GOMAXPROCS(0)
	replicas := make([]*neuralSDE, workers)
	for i := range replicas {
		replicas[i] = model.clone()
	}
	ys := make([]float64, B*nObs)
	grads := make([]float64, B*P) // per-path gradients, summed in order
	grad := make([]float64, P)
	errs := make([]error, workers)
	opt := nn.NewAdam(cfg.lr)
	sched := nn.CosineLR{Base: cfg.lr, Min: cfg.lr / 20, TMax: cfg.iters}
	res := &result{model: model, ts: ts, data: target}
	cur := stats{mean: make([]float64, nObs), std: make([]float64, nObs)}
	opts := &sde.AdjointOptions{Method: sde.MethodReversibleHeun, Dt: dt}
	for it := 0; it < cfg.iters; it++ {
		tree := func(p int) *sde.BrownianTree {
			return sde.NewBrownianTree(0, horizon, 1, cfg.seed<<32^uint64(it*B+p), dt/16)
		}
		// Forward: the batch's states at the observation times.
		parallel(workers, B, func(w, p int) {
			sol, err := sde.Solve(replicas[w], []float64{0}, ts, tree(p), &sde.Options{Method: sde.MethodReversibleHeun, Dt: dt})
			if err != nil {
				errs[w] = err
				return
			}
			for k := range ts {
				ys[p*nObs+k] = sol.Y[k][0]
			}
		})
		if err := firstErr(errs); err != nil {
			return nil, fmt.Errorf("iteration %d: %w", it, err)
		}
		loss := 0.0
		for k := 1; k < nObs; k++ {
			var s1, s2 float64
			for p := 0; p < B; p++ {
				v := ys[p*nObs+k]
				s1 += v
				s2 += v * v
			}
			cur.mean[k] = s1 / float64(B)
			cur.std[k] = math.Sqrt(math.Max(1e-12, s2/float64(B)-cur.mean[k]*cur.mean[k]))
			dm, ds := cur.mean[k]-target.mean[k], cur.std[k]-target.std[k]
			loss += dm*dm + ds*ds
		}
		res.losses = append(res.losses, loss)
		// Backward: ∂L/∂X_p(t_k) per path through the adjoint.
		parallel(workers, B, func(w, p int) {
			dLdy := func(k int, y, a []float64) {
				if k == 0 {
					a[0] = 0
					return
				}
				dm, ds := cur.mean[k]-target.mean[k], cur.std[k]-target.std[k]
				a[0] = 2*dm/float64(B) + 2*ds*(ys[p*nObs+k]-cur.mean[k])/(float64(B)*cur.std[k])
			}
			gy0 := make([]float64, 1)
			if err := sde.AdjointGradient(replicas[w], []float64{0}, ts, tree(p), dLdy, gy0, grads[p*P:(p+1)*P], opts); err != nil {
				errs[w] = err
			}
		})
		if err := firstErr(errs); err != nil {
			return nil, fmt.Errorf("iteration %d: %w", it, err)
		}
		for i := range grad {
			grad[i] = 0
		}
		for p := 0; p < B; p++ {
			for i, g := range grads[p*P : (p+1)*P] {
				grad[i] += g
			}
		}
		opt.SetLearningRate(sched.LR(it))
		opt.Step(model.params, grad)
		if cfg.log != nil && (it%25 == 0 || it == cfg.iters-1) {
			fmt.Fprintf(cfg.log, "iter %4d  loss %.5f\n", it, loss)
		}
	}
	res.learned, _, err = simulate(model, sde.MethodReversibleHeun, obsTimes(), dataPaths, cfg.seed^0x1ea2)
	return res, err
}

// parallel runs body(w, p) for p in [0, n) on workers goroutines; worker w
// owns replica w.
func parallel(workers, n int, body func(w, p int)) {
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for p := w; p < n; p += workers {
				body(w, p)
			}
		}(w)
	}
	wg.Wait()
}

func firstErr(errs []error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

func main() {
	log.SetFlags(0)
	log.SetPrefix("neuralsde: ")
	iters := flag.Int("iters", 300, "training iterations")
	paths := flag.Int("paths", 128, "model paths per iteration")
	seed := flag.Uint64("seed", 1, "random seed (weights, Brownian paths, data)")
	lr := flag.Float64("lr", 1e-2, "Adam learning rate")
	out := flag.String("out", "neuralsde.png", "PNG of true vs learned mean ± 2σ and sample paths")
	flag.Parse()
	if *iters < 1 || *paths < 2 || !(*lr > 0) {
		log.Fatal("need -iters ≥ 1, -paths ≥ 2 and -lr > 0")
	}
	res, err := train(config{iters: *iters, paths: *paths, seed: *seed, lr: *lr, log: os.Stdout})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("\n%6s  %9s %9s %9s   %9s %9s %9s\n", "t", "mean", "data", "learned", "std", "data", "learned")
	for k, t := range res.ts {
		fmt.Printf("%6.2f  %9.4f %9.4f %9.4f   %9.4f %9.4f %9.4f\n", t, trueMean(t), res.data.mean[k], res.learned.mean[k],
			trueStd(t), res.data.std[k], res.learned.std[k])
	}
	if err := drawPNG(*out, res, *seed); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("\nwrote %s\n", *out)
}

// drawPNG draws mean ± 2σ of the true process (exact) and of the learned
// model (4096 simulated paths), with five sample paths of each.
func drawPNG(path string, res *result, seed uint64) error {
	const n = 81
	fine := make([]float64, n)
	for i := range fine {
		fine[i] = horizon * float64(i) / (n - 1)
	}
	_, learned, err := simulate(res.model, sde.MethodReversibleHeun, fine, 5, seed^0x5a)
	if err != nil {
		return err
	}
	ls, _, err := simulate(res.model, sde.MethodReversibleHeun, fine, dataPaths, seed^0x1ea2)
	if err != nil {
		return err
	}
	_, truth, err := simulate(ouSystem(), sde.MethodSRA1, fine, 5, seed^0x5b)
	if err != nil {
		return err
	}
	p := plot.New()
	p.Title.Text = "neural SDE fitted to Ornstein–Uhlenbeck paths"
	p.X.Label.Text = "t"
	p.Y.Label.Text = "X"
	band := func(mean, std func(int) float64, ts func(int) float64, m int, c color.RGBA) (*plotter.Polygon, *plotter.Line, error) {
		var poly plotter.XYs
		for i := 0; i < m; i++ {
			poly = append(poly, plotter.XY{X: ts(i), Y: mean(i) - 2*std(i)})
		}
		for i := m - 1; i >= 0; i-- {
			poly = append(poly, plotter.XY{X: ts(i), Y: mean(i) + 2*std(i)})
		}
		pg, err := plotter.NewPolygon(poly)
		if err != nil {
			return nil, nil, err
		}
		pg.Color = color.NRGBA{R: c.R, G: c.G, B: c.B, A: 60}
		pg.LineStyle.Width = 0
		line := make(plotter.XYs, m)
		for i := range line {
			line[i] = plotter.XY{X: ts(i), Y: mean(i)}
		}
		l, err := plotter.NewLine(line)
		if err != nil {
			return nil, nil, err
		}
		l.Color, l.Width = c, vg.Points(2)
		return pg, l, nil
	}
	blue, red := color.RGBA{R: 30, G: 90, B: 200, A: 255}, color.RGBA{R: 210, G: 60, B: 40, A: 255}
	tt := func(i int) float64 { return horizon * float64(i) / (n - 1) }
	tb, tl, err := band(func(i int) float64 { return trueMean(tt(i)) }, func(i int) float64 { return trueStd(tt(i)) }, tt, n, blue)
	if err != nil {
		return err
	}
	lb, ll, err := band(func(i int) float64 { return ls.mean[i] }, func(i int) float64 { return ls.std[i] }, tt, n, red)
	if err != nil {
		return err
	}
	ll.Dashes = []vg.Length{vg.Points(6), vg.Points(3)}
	p.Add(tb, lb)
	for _, s := range []struct {
		e *sde.Ensemble
		c color.RGBA
	}{{truth, blue}, {learned, red}} {
		for q := 0; q < s.e.Paths; q++ {
			xy := make(plotter.XYs, len(s.e.T))
			for k, t := range s.e.T {
				xy[k] = plotter.XY{X: t, Y: s.e.At(k, q)[0]}
			}
			l, err := plotter.NewLine(xy)
			if err != nil {
				return err
			}
			l.Color = color.NRGBA{R: s.c.R, G: s.c.G, B: s.c.B, A: 110}
			l.Width = vg.Points(0.6)
			p.Add(l)
		}
	}
	p.Add(tl, ll)
	p.Legend.Add("true mean ± 2σ", tb)
	p.Legend.Add("true mean", tl)
	p.Legend.Add("learned mean ± 2σ", lb)
	p.Legend.Add("learned mean", ll)
	p.Legend.Top, p.Legend.Left = true, true
	return plotio.Save(path, p, 8*vg.Inch, 5*vg.Inch)
}
