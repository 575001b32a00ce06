package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/nodekit/nodekit/dsl"
)

func init() {
	register(&command{
		name:    "check",
		summary: "parse and check .node files, reporting errors with positions",
		run:     runCheck,
	})
}

// parseFlags parses a subcommand's flags; usage problems come back as
// errUsage after the flag package has printed them.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	return nil
}

func runCheck(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	quiet := fs.Bool("q", false, "print nothing for files without errors")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: nodekit check [-q] FILE…")
		fmt.Fprintln(stderr, "\nParses and checks every model of each file; errors are printed as")
		fmt.Fprintln(stderr, "file:line:col: message with the source line. Exit status 1 if any file has errors.\n\nflags:")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(stderr, "nodekit check: no files")
		fs.Usage()
		return errUsage
	}
	bad := 0
	for _, path := range fs.Args() {
		prog, err := compileFile(path)
		if err != nil {
			fmt.Fprintln(stderr, err)
			bad++
			continue
		}
		if *quiet {
			continue
		}
		for _, m := range prog.Models {
			kind := "ODE"
			switch {
			case m.IsSDE():
				kind = fmt.Sprintf("SDE (%s noise, %d Wiener processes)", m.NoiseKind, m.NoiseDim)
			case m.Hamiltonian != nil:
				kind = "Hamiltonian"
			}
			fmt.Fprintf(stdout, "%s: model %s: %s, %d states, %d parameters (%d declared, %d in %d nets), %d outputs\n",
				path, m.Name, kind, m.Dim, m.NumParams, m.NumDeclared, m.NumParams-m.NumDeclared, len(m.Nets), len(m.Outputs))
		}
	}
	if bad > 0 {
		return fmt.Errorf("%d of %d files have errors", bad, fs.NArg())
	}
	return nil
}

// compileFile reads, parses and checks a .node file.
func compileFile(path string) (*dsl.Program, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return dsl.Compile(path, src)
}
