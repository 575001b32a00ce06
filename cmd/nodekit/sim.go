package main

import (
	"flag"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"

	"github.com/nodekit/nodekit/dsl"
	"github.com/nodekit/nodekit/dsl/eval"
	"github.com/nodekit/nodekit/internal/dataio"
	"github.com/nodekit/nodekit/runtime/ode"
	"github.com/nodekit/nodekit/runtime/sde"
)

func init() {
	register(&command{
		name:    "sim",
		summary: "simulate a .node model with the interpreter and write a CSV (and a plot)",
		run:     runSim,
	})
}

// assignFlags collects repeated name=value flags.
type assignFlags []string

func (a *assignFlags) String() string     { return strings.Join(*a, ",") }
func (a *assignFlags) Set(v string) error { *a = append(*a, v); return nil }

func runSim(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("sim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	modelName := fs.String("model", "", "model to simulate (default: the file's only or first model)")
	method := fs.String("method", "", "integrator: an ode method (default dopri5) or, for SDE models, an sde method (default euler)")
	rtol := fs.Float64("rtol", 0, "relative tolerance (0: the solver's default)")
	atol := fs.Float64("atol", 0, "absolute tolerance (0: the solver's default)")
	t0 := fs.Float64("t0", 0, "start time")
	t1 := fs.Float64("t1", 10, "end time")
	npts := fs.Int("n", 101, "number of output points from t0 to t1")
	dt := fs.Float64("dt", 0, "output spacing (instead of -n); also the step of fixed-step methods")
	var sets assignFlags
	fs.Var(&sets, "set", "name=value: set a parameter or an initial state (name[i] for a component); repeatable")
	out := fs.String("o", "", "write the trajectory CSV here (default: standard output)")
	plotPath := fs.String("plot", "", "write a PNG plot of the states against t here")
	seed := fs.Uint64("seed", 1, "random seed of the Brownian path (SDE models) and of net weights")
	paths := fs.Int("paths", 1, "number of sample paths (SDE models); the CSV then starts with a path column")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: nodekit sim FILE [-model Name] [-method dopri5] [-rtol R] [-atol A] [-t0 T0] [-t1 T1]")
		fmt.Fprintln(stderr, "                  [-n points | -dt step] [-set name=value]… [-o traj.csv] [-plot traj.png]")
		fmt.Fprintln(stderr, "\nSimulates a model with the interpreter. The CSV header is t,<states>,<outputs>.\n\nflags:")
		fs.PrintDefaults()
	}
	// Accept the file before or after the flags.
	var file string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		file, args = args[0], args[1:]
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	usageErr := func(format string, a ...any) error {
		fmt.Fprintf(stderr, "nodekit sim: "+format+"\n", a...)
		fs.Usage()
		return errUsage
	}
	rest := fs.Args()
	if file == "" && len(rest) > 0 {
		file, rest = rest[0], rest[1:]
		if err := parseFlags(fs, rest); err != nil {
			return err
		}
		rest = fs.Args()
	}
	if file == "" {
		return usageErr("no model file")
	}
	if len(rest) > 0 {
		return usageErr("unexpected arguments %q", rest)
	}
	ts, err := timeGrid(*t0, *t1, *npts, *dt, fs)
	if err != nil {
		return usageErr("%v", err)
	}
	if *paths < 1 {
		return usageErr("-paths must be at least 1")
	}
	if *rtol < 0 || *atol < 0 || math.IsNaN(*rtol+*atol) {
		return usageErr("-rtol and -atol must be non-negative")
	}

	prog, err := compileFile(file)
	if err != nil {
		return err
	}
	m, err := pickModel(prog, *modelName)
	if err != nil {
		return err
	}
	sys, err := eval.New(m, &eval.Options{Seed: *seed})
	if err != nil {
		return err
	}
	y0 := sys.InitialState()
	for _, s := range sets {
		name, val, ok := strings.Cut(s, "=")
		v, perr := strconv.ParseFloat(strings.TrimSpace(val), 64)
		if !ok || perr != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return usageErr("-set %q: want name=number", s)
		}
		name = strings.TrimSpace(name)
		if err := sys.SetParam(name, v); err == nil {
			continue
		}
		if err := sys.SetInitial(y0, name, v); err != nil {
			return fmt.Errorf("-set %s: model %s has no parameter or state of that name", name, m.Name)
		}
	}
	if *paths > 1 && !m.IsSDE() {
		return usageErr("-paths is for SDE models; %s has no noise", m.Name)
	}

	header := append([]string{"t"}, m.StateNames()...)
	header = append(header, sys.OutputNames()...)
	var rows [][]float64
	var trajs []*trajectory
	if m.IsSDE() {
		header = append([]string{"path"}, header...)
		meth := *method
		if meth == "" {
			meth = sde.MethodEuler
		}
		step := *dt
		if step == 0 {
			step = (ts[len(ts)-1] - ts[0]) / float64(10*(len(ts)-1))
		}
		for p := 0; p < *paths; p++ {
			sol, err := sde.Solve(sys, y0, ts, nil, &sde.Options{Method: meth, Dt: step, RTol: *rtol, ATol: *atol,
				Adaptive: *rtol > 0 || *atol > 0, Seed: *seed + uint64(p)})
			if err != nil {
				return fmt.Errorf("model %s: %w", m.Name, err)
			}
			tr := &trajectory{t: sol.T, y: sol.Y}
			trajs = append(trajs, tr)
			rows = append(rows, tr.rows(sys, float64(p))...)
		}
	} else {
		opts := &ode.Options{Method: *method, RTol: *rtol, ATol: *atol}
		var target ode.System = sys
		name := *method
		if name == "" {
			name = "dopri5"
		}
		info, err := ode.Lookup(name)
		if err != nil {
			return usageErr("%v", err)
		}
		if info.Fixed {
			opts.StepSize = *dt
			if opts.StepSize == 0 {
				opts.StepSize = (ts[len(ts)-1] - ts[0]) / float64(len(ts)-1)
			}
		}
		if info.Separable {
			sep := sys.AsSeparable()
			if sep == nil {
				return fmt.Errorf("method %s needs a separable Hamiltonian model (H = T(p) + V(q)); %s is not one", name, m.Name)
			}
			target = sep
		}
		sol, err := ode.Solve(target, y0, ts, opts)
		if err != nil {
			return fmt.Errorf("model %s: %w", m.Name, err)
		}
		tr := &trajectory{t: sol.T, y: sol.Y}
		trajs = append(trajs, tr)
		rows = tr.rows(sys, math.NaN())
	}

	write := func(w io.Writer) error { return dataio.WriteCSV(w, header, rows) }
	if *out == "" {
		if err := write(stdout); err != nil {
			return err
		}
	} else if err := dataio.WriteFileAtomic(*out, write); err != nil {
		return err
	}
	if *plotPath != "" {
		if err := plotTrajectories(*plotPath, m, trajs); err != nil {
			return fmt.Errorf("plot: %w", err)
		}
	}
	return nil
}

type trajectory struct {
	t []float64
	y [][]float64
}

// rows returns t, the states and the outputs per time, prefixed by path
// unless it is NaN.
func (tr *trajectory) rows(sys *eval.System, path float64) [][]float64 {
	nout := sys.NumOutputs()
	outs := make([]float64, nout)
	rows := make([][]float64, len(tr.t))
	for i, t := range tr.t {
		var r []float64
		if !math.IsNaN(path) {
			r = append(r, path)
		}
		r = append(r, t)
		r = append(r, tr.y[i]...)
		sys.Outputs(t, tr.y[i], outs)
		rows[i] = append(r, outs...)
	}
	return rows
}

func timeGrid(t0, t1 float64, n int, dt float64, fs *flag.FlagSet) ([]float64, error) {
	if math.IsNaN(t0) || math.IsNaN(t1) || math.IsInf(t0, 0) || math.IsInf(t1, 0) || !(t1 > t0) {
		return nil, fmt.Errorf("need finite t0 < t1, got %v and %v", t0, t1)
	}
	nSet, dtSet := false, false
	fs.Visit(func(f *flag.Flag) {
		nSet = nSet || f.Name == "n"
		dtSet = dtSet || f.Name == "dt"
	})
	if nSet && dtSet {
		return nil, fmt.Errorf("-n and -dt are exclusive")
	}
	if dtSet {
		if !(dt > 0) || math.IsInf(dt, 0) {
			return nil, fmt.Errorf("-dt must be positive, got %v", dt)
		}
		k := math.Round((t1 - t0) / dt)
		if k > 1e7 {
			return nil, fmt.Errorf("-dt %v gives too many points", dt)
		}
		if k < 1 {
			k = 1
		}
		ts := make([]float64, 0, int(k)+2)
		for i := 0; ; i++ {
			t := t0 + float64(i)*dt
			if t >= t1-1e-9*dt {
				break
			}
			ts = append(ts, t)
		}
		return append(ts, t1), nil
	}
	if n < 2 || n > 1e7 {
		return nil, fmt.Errorf("-n must be between 2 and 1e7, got %d", n)
	}
	ts := make([]float64, n)
	for i := range ts {
		ts[i] = t0 + (t1-t0)*float64(i)/float64(n-1)
	}
	ts[n-1] = t1
	return ts, nil
}

func pickModel(prog *dsl.Program, name string) (*dsl.Model, error) {
	if name == "" {
		return prog.Models[0], nil
	}
	if m := prog.Model(name); m != nil {
		return m, nil
	}
	names := make([]string, len(prog.Models))
	for i, m := range prog.Models {
		names[i] = m.Name
	}
	return nil, fmt.Errorf("no model %s (the file has %s)", name, strings.Join(names, ", "))
}

func plotTrajectories(path string, m *dsl.Model, trajs []*trajectory) error {
	if ext := strings.ToLower(filepath.Ext(path)); ext != ".png" && ext != ".svg" && ext != ".pdf" {
		return fmt.Errorf("%s: want a .png, .svg or .pdf file", path)
	}
	p := plot.New()
	p.Title.Text = m.Name
	p.X.Label.Text = "t"
	names := m.StateNames()
	for j, name := range names {
		for k, tr := range trajs {
			xy := make(plotter.XYs, len(tr.t))
			for i := range tr.t {
				xy[i].X, xy[i].Y = tr.t[i], tr.y[i][j]
			}
			l, err := plotter.NewLine(xy)
			if err != nil {
				return err
			}
			l.Color = plotutil.Color(j)
			l.Dashes = plotutil.Dashes(0)
			p.Add(l)
			if k == 0 {
				p.Legend.Add(name, l)
			}
		}
	}
	p.Legend.Top = true
	w, err := p.WriterTo(8*vg.Inch, 5*vg.Inch, strings.TrimPrefix(strings.ToLower(filepath.Ext(path)), "."))
	if err != nil {
		return err
	}
	return dataio.WriteFileAtomic(path, func(out io.Writer) error {
		_, err := w.WriteTo(out)
		return err
	})
}
