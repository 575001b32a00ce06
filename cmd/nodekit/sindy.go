package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/nodekit/nodekit/internal/dataio"
	"github.com/nodekit/nodekit/sindy"
)

func init() {
	register(&command{
		name:    "sindy",
		summary: "discover equations from trajectory data (SINDy) and emit a .node model",
		run:     runSindy,
	})
}

// listFlag collects a repeatable string flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

func runSindy(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("sindy", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var data listFlag
	fs.Var(&data, "data", "trajectory CSV with header t,<columns> (repeat for several trajectories)")
	states := fs.String("states", "", "comma-separated state columns (default: every column but t)")
	library := fs.String("library", "poly:2", "comma-separated libraries: poly:DEGREE, fourier:FREQUENCIES")
	terms := fs.String("terms", "", "extra library terms as .node expressions separated by ';', e.g. \"sin(x);x*exp(-y)\"")
	optimizer := fs.String("optimizer", "stlsq", "stlsq, sr3 (L0) or sr3-l1")
	threshold := fs.Float64("threshold", 0.1, "sparsity threshold")
	alpha := fs.Float64("alpha", 0.05, "ridge weight of STLSQ")
	relative := fs.Bool("relative", false, "STLSQ thresholds each term's relative contribution |ξ|·‖θ‖/‖y‖")
	diff := fs.String("diff", "fd", "differentiation: fd[:ORDER], savgol[:WINDOW[:ORDER]], spline:LAMBDA, tv:ALPHA, spectral[:CUTOFF]")
	ensemble := fs.Int("ensemble", 0, "ensemble SINDy with this many bagged models (0: off)")
	weak := fs.Bool("weak", false, "weak (integral) formulation, for noisy data")
	refine := fs.Bool("refine", false, "after the fit, re-estimate the nonzero coefficients by fitting simulations of the model to the data\n(multiple-shooting Levenberg–Marquardt on the found support): much more precise coefficients from noisy data")
	search := fs.Bool("search", false, "choose the terms by fitting simulations of candidate models to the data (threshold sweep,\nBIC on the samples, stepwise): the most reliable choice on noisy data, about 0.5 s for Lorenz;\nneeds a thresholded optimiser (stlsq, sr3), and -refine's windows apply to it")
	refineWindows := fs.String("refine-windows", "", "comma-separated window durations of -refine's stages, shortest first\n(default: 1/40, 1/20, 1/10 and 1/5 of each trajectory; keep the longest to a few Lyapunov times on chaotic data)")
	selectBy := fs.String("select", "", "choose the threshold by bic, aic or aicc instead of -threshold")
	emit := fs.String("emit", "", "write the discovered model to this .node file")
	model := fs.String("model", "Found", "model name in the emitted .node file")
	precision := fs.Int("precision", 3, "decimals in the printed equations")
	coef := fs.Bool("coef", false, "also print the coefficient matrix")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: nodekit sindy -data traj.csv [flags]")
		fmt.Fprintln(stderr, "\nDiscovers sparse equations x' = Ξ·θ(x) from trajectories (the CSV layout `nodekit sim` writes)")
		fmt.Fprintln(stderr, "and prints them; -emit writes them as a .node model that `nodekit sim` runs.")
		fmt.Fprintln(stderr, "For noisy data: -weak -relative -threshold 0.05 finds the terms, and -refine then fits")
		fmt.Fprintln(stderr, "simulations of the found model to the data for precise coefficients; -weak -relative -search")
		fmt.Fprintln(stderr, "chooses the terms themselves that way too.\n\nflags:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage // the flag package has printed the problem and the usage
	}
	usageErr := func(format string, a ...any) error {
		fmt.Fprintf(stderr, "nodekit sindy: "+format+"\n", a...)
		fs.Usage()
		return errUsage
	}
	if fs.NArg() > 0 {
		return usageErr("unexpected arguments %q", fs.Args())
	}
	if len(data) == 0 {
		return usageErr("-data is required")
	}
	set := &sindy.Settings{}
	lib, err := parseLibrary(*library, *terms)
	if err != nil {
		return usageErr("%v", err)
	}
	set.Library = lib
	if set.Diff, err = parseDiff(*diff); err != nil {
		return usageErr("%v", err)
	}
	var opt sindy.Optimizer
	switch *optimizer {
	case "stlsq":
		opt = sindy.STLSQ{Threshold: *threshold, Alpha: *alpha, Unbias: true, Relative: *relative}
	case "sr3":
		opt = sindy.SR3{Threshold: *threshold, Unbias: true}
	case "sr3-l1":
		opt = sindy.SR3{Threshold: *threshold, Penalty: sindy.L1}
	default:
		return usageErr("unknown -optimizer %q (want stlsq, sr3 or sr3-l1)", *optimizer)
	}
	if *ensemble < 0 || *ensemble > maxEnsemble {
		return usageErr("-ensemble %d not in [0, %d]", *ensemble, maxEnsemble)
	}
	if *ensemble > 0 {
		opt = sindy.Ensemble{Base: opt, Models: *ensemble, Seed: 1}
	}
	set.Optimizer = opt
	if *weak {
		set.Weak = &sindy.WeakForm{}
	}
	var crit sindy.Criterion
	switch strings.ToLower(*selectBy) {
	case "":
	case "bic":
		crit = sindy.BIC
	case "aic":
		crit = sindy.AIC
	case "aicc":
		crit = sindy.AICc
	default:
		return usageErr("unknown -select %q (want bic, aic or aicc)", *selectBy)
	}
	if *precision < 0 || *precision > 17 {
		return usageErr("-precision %d not in [0, 17]", *precision)
	}
	var refinement *sindy.Refinement
	if *refine || *search {
		refinement = &sindy.Refinement{}
		if *refineWindows != "" {
			for _, f := range strings.Split(*refineWindows, ",") {
				v, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
				if err != nil || !(v > 0) || math.IsInf(v, 0) {
					return usageErr("-refine-windows: %q is not a positive duration", f)
				}
				refinement.Windows = append(refinement.Windows, v)
			}
		}
	} else if *refineWindows != "" {
		return usageErr("-refine-windows needs -refine or -search")
	}
	if *search {
		if *selectBy != "" {
			return usageErr("-search chooses the terms itself: drop -select")
		}
		// the search's answer is already refined with these windows
		set.Search, set.Refine, refinement = &sindy.Search{}, refinement, nil
	}
	if *emit != "" && !sindy.ValidName(*model) {
		return usageErr("-model %q is not a valid model name", *model)
	}

	if err := overwritesInput("-emit", *emit, data...); err != nil {
		return usageErr("%v", err)
	}
	var trajs []sindy.Trajectory
	for _, path := range data {
		tr, names, err := readTrajectory(path, *states)
		if err != nil {
			return err
		}
		if set.Names == nil {
			set.Names = names
		} else if strings.Join(names, ",") != strings.Join(set.Names, ",") {
			return fmt.Errorf("%s: state columns %s differ from %s in %s", path, strings.Join(names, ","), strings.Join(set.Names, ","), data[0])
		}
		trajs = append(trajs, tr)
	}
	samples := 0
	for _, tr := range trajs {
		samples += len(tr.X)
	}
	if nf := libraryFeatures(*library, *terms, len(set.Names)); nf > maxFeatures || nf*float64(samples) > maxFeatureValues {
		return usageErr("-library %s on %d states gives %.3g features for %d samples, more than the limits %.0g features and %.0g values: lower the degree or the frequencies",
			*library, len(set.Names), nf, samples, float64(maxFeatures), float64(maxFeatureValues))
	}
	var m *sindy.Model
	if *selectBy != "" {
		m, _, err = sindy.Select(trajs, set, &sindy.Selection{Criterion: crit})
	} else {
		m, err = sindy.Fit(trajs, set)
	}
	if err != nil {
		return err
	}
	if refinement != nil {
		if err := m.Refine(trajs, refinement); err != nil {
			return fmt.Errorf("-refine: %w", err)
		}
	}
	for _, eq := range m.Equations(*precision) {
		fmt.Fprintln(stdout, eq)
	}
	if *coef {
		fmt.Fprintln(stdout)
		printCoef(stdout, m)
	}
	if *emit != "" {
		src, err := m.Node(*model, trajs[0].X[0])
		if err != nil {
			return err
		}
		if err := dataio.WriteFileAtomic(*emit, func(w io.Writer) error {
			_, err := io.WriteString(w, src)
			return err
		}); err != nil {
			return err
		}
	}
	return nil
}

// readTrajectory reads a CSV with a t column and returns the chosen state
// columns.
func readTrajectory(path, states string) (sindy.Trajectory, []string, error) {
	tab, err := dataio.ReadFile(path)
	if err != nil {
		return sindy.Trajectory{}, nil, err
	}
	ti := tab.Index("t")
	if ti < 0 {
		return sindy.Trajectory{}, nil, fmt.Errorf("%s:1: no time column t in header %s", path, strings.Join(tab.Header, ","))
	}
	if err := tab.CheckIncreasing("t"); err != nil {
		return sindy.Trajectory{}, nil, err
	}
	var names []string
	if states != "" {
		names = strings.Split(states, ",")
		for i := range names {
			names[i] = strings.TrimSpace(names[i])
		}
	} else {
		for _, h := range tab.Header {
			if h != "t" {
				names = append(names, h)
			}
		}
	}
	if len(names) == 0 {
		return sindy.Trajectory{}, nil, fmt.Errorf("%s: no state columns besides t", path)
	}
	idx := make([]int, len(names))
	for i, n := range names {
		if !sindy.ValidName(n) {
			return sindy.Trajectory{}, nil, fmt.Errorf("%s: column %q cannot name a state (want an identifier that is not a .node keyword)", path, n)
		}
		if idx[i] = tab.Index(n); idx[i] < 0 || n == "t" {
			return sindy.Trajectory{}, nil, fmt.Errorf("%s: no state column %q in header %s", path, n, strings.Join(tab.Header, ","))
		}
	}
	tr := sindy.Trajectory{T: tab.ColAt(ti, nil), X: make([][]float64, len(tab.Rows))}
	for r, row := range tab.Rows {
		x := make([]float64, len(idx))
		for i, j := range idx {
			x[i] = row[j]
		}
		tr.X[r] = x
	}
	return tr, names, nil
}

func parseLibrary(spec, terms string) (sindy.Library, error) {
	var libs []sindy.Library
	for part := range strings.SplitSeq(spec, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, arg, _ := strings.Cut(part, ":")
		n, err := strconv.Atoi(arg)
		if err != nil || n < 1 {
			return nil, fmt.Errorf("-library %q: want %s:N with N ≥ 1", part, name)
		}
		switch name {
		case "poly":
			libs = append(libs, sindy.Polynomial{Degree: n})
		case "fourier":
			// sin(kx), cos(kx) per variable and frequency: a billion
			// frequencies used to run out of memory.
			if n > maxFourier {
				return nil, fmt.Errorf("-library %q: at most %d frequencies", part, maxFourier)
			}
			libs = append(libs, sindy.Fourier{Frequencies: n})
		default:
			return nil, fmt.Errorf("-library %q: unknown library %q (want poly or fourier)", part, name)
		}
	}
	if terms != "" {
		var ex sindy.Expressions
		for e := range strings.SplitSeq(terms, ";") {
			if e = strings.TrimSpace(e); e != "" {
				ex = append(ex, e)
			}
		}
		libs = append(libs, ex)
	}
	if len(libs) == 0 {
		return nil, errors.New("empty -library and -terms")
	}
	if len(libs) == 1 {
		return libs[0], nil
	}
	return sindy.Concat(libs...), nil
}

// Limits on flag values whose cost grows with them.
const (
	maxFourier  = 1000
	maxEnsemble = 10000
	// The library matrix has a column per feature and a row per sample.
	maxFeatures      = 1e5
	maxFeatureValues = 2e8
)

// libraryFeatures counts (as a float64, so that it cannot overflow) the
// features of a valid -library and -terms on n variables: C(n+d, d)
// monomials up to degree d, 2·k·n Fourier terms, one per extra term.
func libraryFeatures(spec, terms string, n int) float64 {
	total := 0.0
	for part := range strings.SplitSeq(spec, ",") {
		name, arg, _ := strings.Cut(strings.TrimSpace(part), ":")
		k, _ := strconv.Atoi(arg)
		switch name {
		case "poly":
			c := 1.0
			for i := 1; i <= k; i++ {
				c = c * float64(n+i) / float64(i)
			}
			total += c
		case "fourier":
			total += 2 * float64(k) * float64(n)
		}
	}
	return total + float64(strings.Count(terms, ";")+1)
}

func parseDiff(spec string) (sindy.Differentiator, error) {
	parts := strings.Split(spec, ":")
	nums := make([]float64, len(parts)-1)
	for i, p := range parts[1:] {
		v, err := strconv.ParseFloat(p, 64)
		if err != nil {
			return nil, fmt.Errorf("-diff %q: %q is not a number", spec, p)
		}
		nums[i] = v
	}
	arg := func(i int, def float64) float64 {
		if i < len(nums) {
			return nums[i]
		}
		return def
	}
	maxArgs := map[string]int{"fd": 1, "savgol": 2, "spline": 1, "tv": 1, "spectral": 1}
	if n, ok := maxArgs[parts[0]]; !ok {
		return nil, fmt.Errorf("-diff %q: unknown method (want fd, savgol, spline, tv or spectral)", spec)
	} else if len(nums) > n {
		return nil, fmt.Errorf("-diff %q: %s takes at most %d parameters", spec, parts[0], n)
	}
	if parts[0] == "fd" || parts[0] == "savgol" {
		// Orders and windows are integers (int(1e300) was garbage).
		for _, v := range nums {
			if v != math.Trunc(v) || math.Abs(v) > 1e6 {
				return nil, fmt.Errorf("-diff %q: %v is not an integer order or window", spec, v)
			}
		}
	}
	switch parts[0] {
	case "fd":
		return sindy.FiniteDifference{Order: int(arg(0, 2))}, nil
	case "savgol":
		return sindy.SavitzkyGolay{Window: int(arg(0, 11)), PolyOrder: int(arg(1, 3))}, nil
	case "spline":
		return sindy.SmoothingSpline{Lambda: arg(0, 0)}, nil
	case "tv":
		if len(nums) == 0 {
			return nil, fmt.Errorf("-diff %q: tv needs its weight, as tv:ALPHA", spec)
		}
		return sindy.TotalVariation{Alpha: nums[0]}, nil
	default:
		return sindy.Spectral{Cutoff: arg(0, 0)}, nil
	}
}

func printCoef(w io.Writer, m *sindy.Model) {
	fmt.Fprintf(w, "%-12s", "")
	for _, n := range m.Names {
		fmt.Fprintf(w, " %14s", n+"'")
	}
	fmt.Fprintln(w)
	for j, f := range m.Features {
		fmt.Fprintf(w, "%-12s", f.Name)
		for i := range m.Names {
			fmt.Fprintf(w, " %14.6g", m.Coef.At(i, j))
		}
		fmt.Fprintln(w)
	}
}
