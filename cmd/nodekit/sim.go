package main

import (
	"flag"
	"fmt"
	"image/color"
	"io"
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"

	"github.com/nodekit/nodekit/dsl"
	"github.com/nodekit/nodekit/dsl/eval"
	"github.com/nodekit/nodekit/internal/dataio"
	"github.com/nodekit/nodekit/internal/plotio"
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
	paths := fs.Int("paths", 1, "number of sample paths (SDE models), solved in parallel; the CSV starts with a path column")
	statsPath := fs.String("stats", "", "SDE models: write mean and 5/50/95% quantiles here (default with -o: <o>_stats.csv)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: nodekit sim FILE [-model Name] [-method dopri5] [-rtol R] [-atol A] [-t0 T0] [-t1 T1]")
		fmt.Fprintln(stderr, "                  [-n points | -dt step] [-set name=value]… [-o traj.csv] [-plot traj.png]")
		fmt.Fprintln(stderr, "                  [-paths N -seed S -stats stats.csv]")
		fmt.Fprintln(stderr, "\nSimulates a model with the interpreter. The CSV header is t,<states>,<outputs>.")
		fmt.Fprintln(stderr, "SDE models (noise lines) are solved for -paths sample paths in parallel, reproducibly")
		fmt.Fprintln(stderr, "for a -seed: the CSV is path,t,<states>,<outputs> with the paths one after another;")
		fmt.Fprintln(stderr, "the statistics CSV (-stats, or traj_stats.csv next to -o traj.csv) has t and, per state,")
		fmt.Fprintln(stderr, "<name>_mean,<name>_q05,<name>_q50,<name>_q95; -plot draws a fan chart per state (5–95%")
		fmt.Fprintln(stderr, "band, median, mean and a few sample paths).\n\nflags:")
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

	for _, o := range []struct{ flag, path string }{{"-o", *out}, {"-plot", *plotPath}, {"-stats", *statsPath}} {
		if err := overwritesInput(o.flag, o.path, file); err != nil {
			return usageErr("%v", err)
		}
	}
	if *plotPath != "" {
		// Before the simulation, so that a bad name costs nothing.
		if _, err := plotio.Format(*plotPath); err != nil {
			return fmt.Errorf("plot: %w", err)
		}
	}

	prog, err := compileFile(file)
	if err != nil {
		return err
	}
	m, err := pickModel(prog, *modelName)
	if err != nil {
		return err
	}
	if m.IsSDE() && *method != "" {
		if _, err := sde.Lookup(*method); err != nil {
			return usageErr("%v", err)
		}
	}
	// The trajectories are held in memory (all paths, for the statistics).
	cols := 2 + m.Dim
	for _, o := range m.Outputs {
		cols += len(o.Value)
	}
	if cells := float64(*paths) * float64(len(ts)) * float64(cols); cells > maxSimValues {
		return usageErr("%d path(s) × %d points × %d columns is %.3g values, more than the limit %.0g: use fewer points or paths",
			*paths, len(ts), cols, cells, float64(maxSimValues))
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
		base, _, _ := strings.Cut(name, "[")
		var err error
		switch {
		case slices.ContainsFunc(m.Params, func(p *dsl.Param) bool { return p.Name == base }):
			err = sys.SetParam(name, v)
		case slices.ContainsFunc(m.States, func(st *dsl.State) bool { return st.Name == base }):
			err = sys.SetInitial(y0, name, v)
		default:
			return fmt.Errorf("-set %s: model %s has no parameter or state of that name", name, m.Name)
		}
		if err != nil {
			return fmt.Errorf("-set %s: %w", name, err)
		}
	}
	if *paths > 1 && !m.IsSDE() {
		return usageErr("-paths is for SDE models; %s has no noise", m.Name)
	}
	if *statsPath != "" && !m.IsSDE() {
		return usageErr("-stats is for SDE models; %s has no noise", m.Name)
	}

	header := append([]string{"t"}, m.StateNames()...)
	header = append(header, sys.OutputNames()...)
	var rows [][]float64
	var trajs []*trajectory
	var ens *sde.Ensemble
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
		ens, err = sde.SolvePaths(sdeModel{sys}, y0, ts, *paths, *seed, &sde.Options{Method: meth, Dt: step,
			RTol: *rtol, ATol: *atol, Adaptive: *rtol > 0 || *atol > 0, KeepPaths: true})
		if err != nil {
			return fmt.Errorf("model %s: %w", m.Name, err)
		}
		for p := 0; p < *paths; p++ {
			tr := &trajectory{t: ens.T, y: make([][]float64, len(ens.T))}
			for k := range ens.T {
				tr.y[k] = ens.At(k, p)
			}
			if p < fanSamples {
				trajs = append(trajs, tr)
			}
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
		if info.Stiff && float64(m.Dim)*float64(m.Dim) > maxJacobian {
			// The stiff solvers hold dense Dim×Dim matrices.
			return usageErr("method %s needs a dense %d×%d Jacobian, more than the limit of %.0g entries: use an explicit method",
				name, m.Dim, m.Dim, float64(maxJacobian))
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
	if ens != nil {
		sp := *statsPath
		if sp == "" && *out != "" {
			ext := filepath.Ext(*out)
			sp = strings.TrimSuffix(*out, ext) + "_stats" + ext
		}
		if sp != "" {
			h, r := ensembleTable(m.StateNames(), ens)
			if err := dataio.WriteFileAtomic(sp, func(w io.Writer) error { return dataio.WriteCSV(w, h, r) }); err != nil {
				return err
			}
		}
	}
	if *plotPath != "" {
		var err error
		if ens != nil {
			err = plotFan(*plotPath, m, ens, trajs)
		} else {
			err = plotTrajectories(*plotPath, m, trajs)
		}
		if err != nil {
			return fmt.Errorf("plot: %w", err)
		}
	}
	return nil
}

// maxSimValues bounds the values a simulation keeps in memory (paths ×
// points × columns), so that a large -paths or -n is a usage error rather
// than an out-of-memory crash.
const maxSimValues = 1e8

// maxJacobian bounds the dense Jacobian of the stiff methods (8·10⁸ bytes).
const maxJacobian = 1e8

// sdeModel lets SolvePaths give each goroutine its own interpreter
// (eval.System keeps registers and is not safe for concurrent use).
type sdeModel struct{ *eval.System }

func (s sdeModel) Replica() sde.System { return sdeModel{s.System.Clone()} }

// fanSamples is the number of sample paths drawn over a fan chart.
const fanSamples = 5

// ensembleTable is the statistics CSV of an SDE ensemble: t, then per state
// <name>_mean, <name>_q05, <name>_q50, <name>_q95.
func ensembleTable(names []string, e *sde.Ensemble) ([]string, [][]float64) {
	h := []string{"t"}
	for _, n := range names {
		h = append(h, n+"_mean", n+"_q05", n+"_q50", n+"_q95")
	}
	rows := make([][]float64, len(e.T))
	for k, t := range e.T {
		r := []float64{t}
		for i := range names {
			r = append(r, e.Mean[k][i], e.Q05[k][i], e.Q50[k][i], e.Q95[k][i])
		}
		rows[k] = r
	}
	return h, rows
}

// plotFan draws one panel per state: the 5–95% band shaded, the median
// (dashed) and mean (solid) lines, and a few sample paths.
func plotFan(path string, m *dsl.Model, e *sde.Ensemble, samples []*trajectory) error {
	if _, err := plotio.Format(path); err != nil {
		return err
	}
	names := m.StateNames()
	plots := make([][]*plot.Plot, len(names))
	for i, name := range names {
		p := plot.New()
		if i == 0 {
			p.Title.Text = fmt.Sprintf("%s: %d paths", m.Name, e.Paths)
		}
		p.X.Label.Text = "t"
		p.Y.Label.Text = name
		col := func(q [][]float64) plotter.XYs {
			xy := make(plotter.XYs, len(e.T))
			for k, t := range e.T {
				xy[k].X, xy[k].Y = t, q[k][i]
			}
			return xy
		}
		lo, hi := col(e.Q05), col(e.Q95)
		band := append(plotter.XYs{}, lo...)
		for k := len(hi) - 1; k >= 0; k-- {
			band = append(band, hi[k])
		}
		poly, err := plotter.NewPolygon(band)
		if err != nil {
			return err
		}
		base := color.RGBAModel.Convert(plotutil.Color(i)).(color.RGBA)
		poly.Color = color.NRGBA{R: base.R, G: base.G, B: base.B, A: 70}
		poly.LineStyle.Width = 0
		p.Add(poly)
		p.Legend.Add("5–95%", poly)
		for _, tr := range samples {
			xy := make(plotter.XYs, len(tr.t))
			for k := range tr.t {
				xy[k].X, xy[k].Y = tr.t[k], tr.y[k][i]
			}
			l, err := plotter.NewLine(xy)
			if err != nil {
				return err
			}
			l.Color = color.Gray{Y: 150}
			l.Width = vg.Points(0.5)
			p.Add(l)
		}
		med, err := plotter.NewLine(col(e.Q50))
		if err != nil {
			return err
		}
		med.Color, med.Dashes, med.Width = base, plotutil.Dashes(1), vg.Points(1.5)
		mean, err := plotter.NewLine(col(e.Mean))
		if err != nil {
			return err
		}
		mean.Color, mean.Width = base, vg.Points(1.5)
		p.Add(med, mean)
		p.Legend.Add("median", med)
		p.Legend.Add("mean", mean)
		p.Legend.Top = true
		plots[i] = []*plot.Plot{p}
	}
	return plotio.SaveGrid(path, plots, 8*vg.Inch, vg.Length(len(names))*3*vg.Inch)
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
	if math.IsInf(t1-t0, 0) {
		return nil, fmt.Errorf("t1 - t0 overflows: %v - %v", t1, t0)
	}
	ts, err := timePoints(t0, t1, n, dt, fs)
	if err != nil {
		return nil, err
	}
	// Points closer than the resolution of float64 at t0 and t1 collapse.
	for i := 1; i < len(ts); i++ {
		if !(ts[i] > ts[i-1]) {
			return nil, fmt.Errorf("output times %v and %v are not distinct in float64: use fewer points or a wider interval", ts[i-1], ts[i])
		}
	}
	return ts, nil
}

func timePoints(t0, t1 float64, n int, dt float64, fs *flag.FlagSet) ([]float64, error) {
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
	if _, err := plotio.Format(path); err != nil {
		return err
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
	return plotio.Save(path, p, 8*vg.Inch, 5*vg.Inch)
}
