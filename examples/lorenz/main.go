// Command lorenz solves the Lorenz system with dopri5 and writes the
// trajectory as CSV and as a PNG plot.
//
//	go run ./examples/lorenz            # writes out/lorenz.csv and out/lorenz.png
//	go run ./examples/lorenz -t1 50 -n 5001 -method tsit5 -out /tmp/lz
//
// It prints the final state and the solver statistics, e.g.
//
//	lorenz: t=0..100, dopri5 rtol=1e-08 atol=1e-10
//	y(100) = (-13.947206, -17.426807, 30.401136)
//	11483 steps accepted, 98 rejected, 69488 f-evaluations
//	wrote out/lorenz.csv and out/lorenz.png
//
// (Lorenz is chaotic: the state at t=100 depends on every rounding, see
// BENCHMARKS.md; y(10) is accurate to about 1e-5.)
package main

import (
	"flag"
	"fmt"
	"image/color"
	"io"
	"log"
	"os"
	"path/filepath"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/nodekit/nodekit/internal/dataio"
	"github.com/nodekit/nodekit/internal/plotio"
	"github.com/nodekit/nodekit/runtime/ode"
)

// Lorenz is dy/dt for the Lorenz attractor.
type Lorenz struct{ Sigma, Rho, Beta float64 }

// Dim returns 3.
func (l *Lorenz) Dim() int { return 3 }

// Func writes the Lorenz vector field.
func (l *Lorenz) Func(_ float64, u, du []float64) {
	du[0] = l.Sigma * (u[1] - u[0])
	du[1] = u[0]*(l.Rho-u[2]) - u[1]
	du[2] = u[0]*u[1] - l.Beta*u[2]
}

func main() {
	log.SetFlags(0)
	log.SetPrefix("lorenz: ")
	if err := run(os.Args[1:], os.Stdout); err != nil {
		log.Fatal(err)
	}
}

func run(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("lorenz", flag.ContinueOnError)
	t1 := fs.Float64("t1", 100, "end time")
	n := fs.Int("n", 10001, "number of save points on [0, t1]")
	method := fs.String("method", "dopri5", "integration method")
	rtol := fs.Float64("rtol", 1e-8, "relative tolerance")
	atol := fs.Float64("atol", 1e-10, "absolute tolerance")
	out := fs.String("out", "out", "output folder for lorenz.csv and lorenz.png")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *n < 2 || !(*t1 > 0) {
		return fmt.Errorf("need -n ≥ 2 and -t1 > 0")
	}
	ts := make([]float64, *n)
	for i := range ts {
		ts[i] = *t1 * float64(i) / float64(*n-1)
	}
	sys := &Lorenz{Sigma: 10, Rho: 28, Beta: 8.0 / 3.0}
	sol, err := ode.Solve(sys, []float64{1, 1, 1}, ts, &ode.Options{Method: *method, RTol: *rtol, ATol: *atol})
	if err != nil {
		return err
	}
	yf := sol.Y[len(sol.Y)-1]
	fmt.Fprintf(stdout, "lorenz: t=0..%g, %s rtol=%g atol=%g\n", *t1, *method, *rtol, *atol)
	fmt.Fprintf(stdout, "y(%g) = (%.8g, %.8g, %.8g)\n", *t1, yf[0], yf[1], yf[2])
	st := sol.Stats
	fmt.Fprintf(stdout, "%d steps accepted, %d rejected, %d f-evaluations\n", st.Accepted, st.Rejected, st.NFE)

	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	rows := make([][]float64, len(ts))
	for i := range ts {
		rows[i] = []float64{sol.T[i], sol.Y[i][0], sol.Y[i][1], sol.Y[i][2]}
	}
	csvPath := filepath.Join(*out, "lorenz.csv")
	if err := dataio.WriteFileAtomic(csvPath, func(w io.Writer) error {
		return dataio.WriteCSV(w, []string{"t", "x", "y", "z"}, rows)
	}); err != nil {
		return err
	}
	pngPath := filepath.Join(*out, "lorenz.png")
	if err := plotLorenz(sol, pngPath); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s and %s\n", csvPath, pngPath)
	return nil
}

// plotLorenz draws the butterfly (x–z) and the time series of x side by side.
func plotLorenz(sol *ode.Solution, path string) error {
	phase := plot.New()
	phase.Title.Text = "Lorenz attractor (x–z)"
	phase.X.Label.Text = "x"
	phase.Y.Label.Text = "z"
	xz := make(plotter.XYs, len(sol.T))
	tx := make(plotter.XYs, len(sol.T))
	for i, y := range sol.Y {
		xz[i] = plotter.XY{X: y[0], Y: y[2]}
		tx[i] = plotter.XY{X: sol.T[i], Y: y[0]}
	}
	l, err := plotter.NewLine(xz)
	if err != nil {
		return err
	}
	l.Color = color.RGBA{R: 31, G: 119, B: 180, A: 255}
	l.Width = vg.Points(0.5)
	phase.Add(l)

	series := plot.New()
	series.Title.Text = "x(t)"
	series.X.Label.Text = "t"
	series.Y.Label.Text = "x"
	l2, err := plotter.NewLine(tx)
	if err != nil {
		return err
	}
	l2.Color = color.RGBA{R: 214, G: 39, B: 40, A: 255}
	l2.Width = vg.Points(0.5)
	series.Add(l2)

	return plotio.SaveGrid(path, [][]*plot.Plot{{phase, series}}, 12*vg.Inch, 5*vg.Inch)
}
