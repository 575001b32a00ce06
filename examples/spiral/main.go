// Command spiral trains a neural ODE on torchdiffeq's spiral
// (examples/ode_demo.py) with the same setup: true dynamics
// dy/dt = (y³)A with A = [[−0.1, 2], [−2, −0.1]], y₀ = (2, 0), 1000
// samples on t ∈ [0, 25]; minibatches of 20 windows of 10 samples; the
// model Linear(2,50) → tanh → Linear(50,2) applied to y³ (weights
// N(0, 0.1²), zero biases); RMSprop with lr 1e-3; L1 loss; dopri5 with
// rtol 1e-7, atol 1e-9; the loss on the full trajectory every 20
// iterations.
//
//	go run ./examples/spiral                            # 2000 iterations, backsolve adjoint
//	go run ./examples/spiral -grad discrete -niters 300 -out /tmp/spiral
//
// The minibatch is solved as one system of dimension 2·batch and the
// network is evaluated batch-wise (one matrix product per layer). It
// prints the full-trajectory loss at every evaluation, the final loss and
// the median time per iteration, and draws the trajectories, the phase
// portrait and the learned vector field to spiral.png in -out.
package main

import (
	"flag"
	"fmt"
	"image/color"
	"io"
	"log"
	"math"
	"os"
	"path/filepath"
	"slices"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/nodekit/nodekit/internal/plotio"
	"github.com/nodekit/nodekit/runtime/adjoint"
	"github.com/nodekit/nodekit/runtime/nn"
	"github.com/nodekit/nodekit/runtime/ode"
	"github.com/nodekit/nodekit/runtime/train"
)

// trueSpiral is dy/dt = (y³)A, A = [[−0.1, 2], [−2, −0.1]] (row vector
// times A, as torch.mm(y**3, true_A)).
type trueSpiral struct{}

func (trueSpiral) Dim() int { return 2 }
func (trueSpiral) Func(_ float64, y, dy []float64) {
	a, b := y[0]*y[0]*y[0], y[1]*y[1]*y[1]
	dy[0] = -0.1*a - 2*b
	dy[1] = 2*a - 0.1*b
}

func main() {
	log.SetFlags(0)
	log.SetPrefix("spiral: ")
	if err := run(os.Args[1:], os.Stdout); err != nil {
		log.Fatal(err)
	}
}

// setup holds what a run and the benchmarks share.
type setup struct {
	data  train.Data
	field *train.NeuralField
	tr    *train.Trainer
}

type params struct {
	niters, dataSize, batchTime, batchSize, testFreq int
	seed                                             uint64
	rtol, atol                                       float64
	grad                                             adjoint.Method
	seminorm                                         bool
	ckptEvery                                        int
	ckpt                                             string
}

func newSetup(p params) (*setup, error) {
	ts := make([]float64, p.dataSize)
	for i := range ts {
		ts[i] = 25 * float64(i) / float64(p.dataSize-1)
	}
	solver := &ode.Options{Method: "dopri5", RTol: p.rtol, ATol: p.atol}
	sol, err := ode.Solve(trueSpiral{}, []float64{2, 0}, ts, solver)
	if err != nil {
		return nil, fmt.Errorf("true trajectory: %w", err)
	}
	mlp := nn.NewMLPWith(nn.MLPOptions{Sizes: []int{2, 50, 2}, Act: nn.Tanh, Init: nn.InitNormal, Sigma: 0.1, RNG: nn.NewRNG(p.seed)})
	field := train.NewNeuralField(mlp.Sequential, train.Cube)
	data := train.Data{T: ts, Y: sol.Y}
	tr, err := train.New(field, nn.NewRMSprop(1e-3), data, train.Config{
		Iters: p.niters, BatchSize: p.batchSize, BatchTime: p.batchTime, Seed: p.seed,
		Loss:            nn.L1,
		Gradient:        adjoint.Options{Method: p.grad, Solver: solver, SemiNorm: p.seminorm},
		CheckpointEvery: p.ckptEvery, CheckpointPath: p.ckpt,
	})
	if err != nil {
		return nil, err
	}
	return &setup{data: data, field: field, tr: tr}, nil
}

func run(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("spiral", flag.ContinueOnError)
	var p params
	fs.IntVar(&p.niters, "niters", 2000, "training iterations")
	fs.IntVar(&p.dataSize, "data_size", 1000, "samples of the true trajectory on [0, 25]")
	fs.IntVar(&p.batchTime, "batch_time", 10, "samples per window")
	fs.IntVar(&p.batchSize, "batch_size", 20, "windows per minibatch")
	fs.IntVar(&p.testFreq, "test_freq", 20, "evaluate on the full trajectory every this many iterations")
	seed := fs.Uint64("seed", 0, "seed of the initial weights and the minibatches")
	fs.Float64Var(&p.rtol, "rtol", 1e-7, "relative tolerance (dopri5)")
	fs.Float64Var(&p.atol, "atol", 1e-9, "absolute tolerance (dopri5)")
	grad := fs.String("grad", "backsolve", "gradient method: backsolve, checkpoint or discrete")
	fs.BoolVar(&p.seminorm, "seminorm", false, "error control of the adjoint solve on the state and its adjoint only")
	out := fs.String("out", "out", "output folder for spiral.png (empty: no plot)")
	fs.IntVar(&p.ckptEvery, "ckpt_every", 0, "save a checkpoint every this many iterations (0: never)")
	fs.StringVar(&p.ckpt, "ckpt", "spiral.ckpt", "checkpoint file")
	resume := fs.Bool("resume", false, "resume from -ckpt")
	if err := fs.Parse(args); err != nil {
		return err
	}
	p.seed = *seed
	var err error
	if p.grad, err = adjoint.ParseMethod(*grad); err != nil {
		return err
	}
	if p.testFreq <= 0 || p.niters < 0 || p.dataSize < 2 {
		return fmt.Errorf("need -test_freq > 0, -niters ≥ 0 and -data_size ≥ 2")
	}
	s, err := newSetup(p)
	if err != nil {
		return err
	}
	tr := s.tr
	if *resume {
		if err := tr.Load(p.ckpt); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "resumed from %s at iteration %d\n", p.ckpt, tr.Iter())
	}
	fmt.Fprintf(stdout, "spiral: %d iterations, %v gradients (seminorm %v), dopri5 rtol=%g atol=%g, batch %d×%d\n",
		p.niters, p.grad, p.seminorm, p.rtol, p.atol, p.batchSize, p.batchTime)
	var times []time.Duration
	nfeF, nfeB := 0, 0
	loss := math.NaN()
	for tr.Iter() < p.niters {
		start := time.Now()
		if _, err := tr.Step(); err != nil {
			return err
		}
		times = append(times, time.Since(start))
		st := tr.LastStats()
		nfeF += st.Forward.NFE
		nfeB += st.Backward.NFE
		if tr.Iter()%p.testFreq == 0 || tr.Iter() == p.niters {
			if loss, err = tr.Evaluate(); err != nil {
				return err
			}
			if tr.Iter()%p.testFreq == 0 {
				fmt.Fprintf(stdout, "Iter %04d | Total Loss %.6f\n", tr.Iter(), loss)
			}
		}
		if p.ckptEvery > 0 && tr.Iter()%p.ckptEvery == 0 {
			if err := tr.Save(p.ckpt); err != nil {
				return err
			}
		}
	}
	if len(times) > 0 {
		slices.Sort(times)
		med := times[len(times)/2]
		var total time.Duration
		for _, d := range times {
			total += d
		}
		k := float64(len(times))
		fmt.Fprintf(stdout, "final full-trajectory L1 loss %.6f after %d iterations\n", loss, tr.Iter())
		fmt.Fprintf(stdout, "%.3f ms/iteration median (mean %.3f), NFE/iteration forward %.1f backward %.1f\n",
			ms(med), ms(total)/k, float64(nfeF)/k, float64(nfeB)/k)
	}
	if *out == "" {
		return nil
	}
	if _, err := tr.Evaluate(); err != nil {
		return err
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	path := filepath.Join(*out, "spiral.png")
	if err := s.plot(path); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s\n", path)
	return nil
}

func ms(d time.Duration) float64 { return float64(d) / 1e6 }

var (
	trueColor = color.RGBA{G: 128, A: 255}
	predColor = color.RGBA{B: 200, A: 255}
	xColor    = color.RGBA{R: 31, G: 119, B: 180, A: 255}
	yColor    = color.RGBA{R: 214, G: 39, B: 40, A: 255}
)

func line(pts plotter.XYs, c color.Color, dashed bool) (*plotter.Line, error) {
	l, err := plotter.NewLine(pts)
	if err != nil {
		return nil, err
	}
	l.Color = c
	l.Width = vg.Points(1)
	if dashed {
		l.Dashes = []vg.Length{vg.Points(4), vg.Points(2)}
	}
	return l, nil
}

// field samples the learned vector field on a grid, normalised to unit
// length as the torchdiffeq demo draws it.
type field struct {
	n      int
	lo, hi float64
	v      []plotter.XY
}

func (f *field) Dims() (int, int)           { return f.n, f.n }
func (f *field) Vector(c, r int) plotter.XY { return f.v[c*f.n+r] }
func (f *field) X(c int) float64            { return f.lo + (f.hi-f.lo)*float64(c)/float64(f.n-1) }
func (f *field) Y(r int) float64            { return f.lo + (f.hi-f.lo)*float64(r)/float64(f.n-1) }

// plot draws what ode_demo.py's visualize draws: the trajectories x(t),
// y(t) (true solid, learned dashed), the phase portrait and the learned
// vector field.
func (s *setup) plot(path string) error {
	pred := s.tr.Trajectory()
	ts := s.data.T
	traj := plot.New()
	traj.Title.Text = "Trajectories"
	traj.X.Label.Text = "t"
	traj.Y.Label.Text = "x, y"
	phase := plot.New()
	phase.Title.Text = "Phase portrait"
	phase.X.Label.Text = "x"
	phase.Y.Label.Text = "y"
	var tx, ty, px, py, tp, pp plotter.XYs
	for i, t := range ts {
		y, q := s.data.Y[i], pred[i]
		tx = append(tx, plotter.XY{X: t, Y: y[0]})
		ty = append(ty, plotter.XY{X: t, Y: y[1]})
		px = append(px, plotter.XY{X: t, Y: q[0]})
		py = append(py, plotter.XY{X: t, Y: q[1]})
		tp = append(tp, plotter.XY{X: y[0], Y: y[1]})
		pp = append(pp, plotter.XY{X: q[0], Y: q[1]})
	}
	for _, c := range []struct {
		p      *plot.Plot
		pts    plotter.XYs
		col    color.Color
		dashed bool
		name   string
	}{
		{traj, tx, xColor, false, "x true"}, {traj, ty, yColor, false, "y true"},
		{traj, px, xColor, true, "x learned"}, {traj, py, yColor, true, "y learned"},
		{phase, tp, trueColor, false, "true"}, {phase, pp, predColor, true, "learned"},
	} {
		l, err := line(c.pts, c.col, c.dashed)
		if err != nil {
			return err
		}
		c.p.Add(l)
		c.p.Legend.Add(c.name, l)
	}
	phase.X.Min, phase.X.Max, phase.Y.Min, phase.Y.Max = -2, 2, -2, 2

	vf := plot.New()
	vf.Title.Text = "Learned vector field"
	vf.X.Label.Text = "x"
	vf.Y.Label.Text = "y"
	const n = 21
	grid := &field{n: n, lo: -2, hi: 2, v: make([]plotter.XY, n*n)}
	ys := make([]float64, 2*n*n)
	for c := 0; c < n; c++ {
		for r := 0; r < n; r++ {
			ys[2*(c*n+r)], ys[2*(c*n+r)+1] = grid.X(c), grid.Y(r)
		}
	}
	dys := make([]float64, 2*n*n)
	s.field.System(n*n).Func(0, ys, dys)
	for k := range grid.v {
		dx, dy := dys[2*k], dys[2*k+1]
		m := math.Hypot(dx, dy)
		if m > 0 {
			dx, dy = dx/m, dy/m
		}
		grid.v[k] = plotter.XY{X: dx, Y: dy}
	}
	fp := plotter.NewField(grid)
	fp.LineStyle.Color = color.Black
	fp.LineStyle.Width = vg.Points(0.6)
	vf.Add(fp)
	vf.X.Min, vf.X.Max, vf.Y.Min, vf.Y.Max = -2.2, 2.2, -2.2, 2.2

	return plotio.SaveGrid(path, [][]*plot.Plot{{traj, phase, vf}}, 15*vg.Inch, 5*vg.Inch)
}
