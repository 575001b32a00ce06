// Command hnn trains a Hamiltonian neural network and a baseline neural
// ODE of the same size, on the same noisy samples of the pendulum
// H = p²/2 + 2(1 − cos q), with the same optimiser and budget, rolls both
// out from (q, p) = (1, 0) over many periods and prints how much the true
// energy drifts along each (Greydanus, Dzamba and Yosinski 2019). With
// -out DIR it draws hnn.png there: the phase portraits of the true, HNN
// and baseline trajectories, and the energy against time.
//
//	go run ./examples/hnn -out .
package main

import (
	"flag"
	"fmt"
	"image/color"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/nodekit/nodekit/hnn"
	"github.com/nodekit/nodekit/internal/plotio"
	"github.com/nodekit/nodekit/runtime/nn"
	"github.com/nodekit/nodekit/runtime/ode"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "hnn:", err)
		os.Exit(1)
	}
}

const period = 4.7 // of the pendulum released at q = 1 (ω₀ = √2)

func energy(q, p float64) float64 { return p*p/2 + 2*(1-math.Cos(q)) }

func field(_ float64, y, dy []float64) { dy[0], dy[1] = y[1], -2*math.Sin(y[0]) }

// result is one rolled-out model.
type result struct {
	name          string
	sol           *ode.Solution
	drift, maxErr float64 // energy drift (mean over the last period − first), max |E − E0|
}

func run(args []string, w io.Writer) error {
	fs := flag.NewFlagSet("hnn", flag.ContinueOnError)
	fs.SetOutput(w)
	n := fs.Int("samples", 400, "training samples")
	sigma := fs.Float64("noise", 0.05, "standard deviation of the noise on dq/dt, dp/dt")
	epochs := fs.Int("epochs", 150, "training epochs")
	periods := fs.Int("periods", 20, "rollout length in periods")
	seed := fs.Uint64("seed", 1, "random seed")
	out := fs.String("out", "", "directory for hnn.png (none when empty)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *n <= 0 || *epochs <= 0 || *periods <= 0 || *sigma < 0 {
		return fmt.Errorf("-samples, -epochs and -periods must be positive and -noise non-negative")
	}

	// Noisy samples of the field in a box of phase space.
	rng := rand.New(rand.NewPCG(*seed, 2))
	x, dx := make([]float64, 2**n), make([]float64, 2**n)
	for r := 0; r < *n; r++ {
		x[2*r], x[2*r+1] = 3.2*rng.Float64()-1.6, 3.2*rng.Float64()-1.6
		field(0, x[2*r:2*r+2], dx[2*r:2*r+2])
		dx[2*r] += *sigma * rng.NormFloat64()
		dx[2*r+1] += *sigma * rng.NormFloat64()
	}
	hidden := []int{32, 32}
	opts := func() *hnn.TrainOptions {
		return &hnn.TrainOptions{Epochs: *epochs, BatchSize: 40, Optimizer: nn.NewAdam(3e-3), Seed: *seed,
			Schedule: func(ep int) float64 { return 3e-3 * math.Pow(0.1, float64(ep)/float64(*epochs)) }}
	}
	m := hnn.NewWithRNG(1, hidden, nn.Tanh, nn.NewRNG(*seed))
	lm, err := m.Train(x, dx, opts())
	if err != nil {
		return err
	}
	b := hnn.NewBaselineWithRNG(1, hidden, nn.Tanh, nn.NewRNG(*seed))
	lb, err := b.Train(x, dx, opts())
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "trained on %d noisy samples (σ = %g), %d epochs: field loss HNN %.4f, baseline %.4f\n", *n, *sigma, *epochs, lm, lb)

	const per = 80
	ts := make([]float64, *periods*per+1)
	for i := range ts {
		ts[i] = period * float64(i) / per
	}
	y0 := []float64{1, 0}
	E0 := energy(y0[0], y0[1])
	so := &ode.Options{Method: "dopri5", RTol: 1e-9, ATol: 1e-11}
	var res []result
	for _, c := range []struct {
		name string
		sys  ode.System
	}{{"true", &ode.Func{N: 2, F: field}}, {"HNN", m}, {"baseline", b}} {
		sol, err := ode.Solve(c.sys, y0, ts, so)
		if err != nil {
			return fmt.Errorf("%s rollout: %w", c.name, err)
		}
		r := result{name: c.name, sol: sol}
		var first, last float64
		for i, y := range sol.Y {
			e := energy(y[0], y[1])
			r.maxErr = math.Max(r.maxErr, math.Abs(e-E0))
			if i < per {
				first += e / per
			}
			if i >= len(ts)-per {
				last += e / per
			}
		}
		r.drift = math.Abs(last - first)
		res = append(res, r)
	}
	fmt.Fprintf(w, "over %d periods (t = %.1f):\n", *periods, ts[len(ts)-1])
	for _, r := range res[1:] {
		fmt.Fprintf(w, "  %-8s energy drift %.3g, max |E − E0| %.3g, final state error %.3g\n", r.name, r.drift, r.maxErr,
			math.Hypot(r.sol.Y[len(ts)-1][0]-res[0].sol.Y[len(ts)-1][0], r.sol.Y[len(ts)-1][1]-res[0].sol.Y[len(ts)-1][1]))
	}
	fmt.Fprintf(w, "energy drift ratio baseline/HNN: %.3g\n", res[2].drift/res[1].drift)
	if *out == "" {
		return nil
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	path := filepath.Join(*out, "hnn.png")
	if err := draw(path, res, E0); err != nil {
		return err
	}
	fmt.Fprintf(w, "wrote %s\n", path)
	return nil
}

var colors = []color.Color{color.Black, color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff}, color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff}}

// draw writes the phase portraits (one panel per model) and the energy
// of every model against time.
func draw(path string, res []result, E0 float64) error {
	var row []*plot.Plot
	energyPlot := plot.New()
	energyPlot.Title.Text = "true energy along each trajectory"
	energyPlot.X.Label.Text = "t"
	energyPlot.Y.Label.Text = "E − E(0)"
	for k, r := range res {
		ph := plot.New()
		ph.Title.Text = r.name + " phase portrait"
		ph.X.Label.Text = "q"
		ph.Y.Label.Text = "p"
		var pts, en plotter.XYs
		for i, y := range r.sol.Y {
			pts = append(pts, plotter.XY{X: y[0], Y: y[1]})
			en = append(en, plotter.XY{X: r.sol.T[i], Y: energy(y[0], y[1]) - E0})
		}
		l, err := plotter.NewLine(pts)
		if err != nil {
			return err
		}
		l.Color = colors[k]
		ph.Add(l)
		row = append(row, ph)
		le, err := plotter.NewLine(en)
		if err != nil {
			return err
		}
		le.Color = colors[k]
		le.Width = vg.Points(1)
		energyPlot.Add(le)
		energyPlot.Legend.Add(r.name, le)
	}
	energyPlot.Legend.Top = true
	energyPlot.Legend.Left = true
	row = append(row, energyPlot)
	return plotio.SaveGrid(path, [][]*plot.Plot{row}, 20*vg.Inch, 5*vg.Inch)
}
