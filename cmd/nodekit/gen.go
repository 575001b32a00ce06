package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/nodekit/nodekit/codegen"
	"github.com/nodekit/nodekit/internal/dataio"
)

func init() {
	register(&command{
		name:    "gen",
		summary: "generate Go code implementing the runtime interfaces for a .node model",
		run:     runGen,
	})
}

func runGen(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("gen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("o", "", "write the Go file here (default: standard output)")
	pkg := fs.String("pkg", "", "package name of the generated file (default: $GOPACKAGE under go generate, else main)")
	model := fs.String("model", "", "generate only this model (default: every model of FILE)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: nodekit gen [-o out.go] [-pkg name] [-model Name] FILE")
		fmt.Fprintln(stderr, "\nGenerates gofmt'd Go source with one type per model (NewName, InitialState,")
		fmt.Fprintln(stderr, "parameters as exported fields, Func, Jac, VJP, batched forms, diffusion…). Meant for")
		fmt.Fprintln(stderr, "\t//go:generate nodekit gen -o lorenz_gen.go lorenz.node")
		fmt.Fprintln(stderr, "\nflags:")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fmt.Fprintf(stderr, "nodekit gen: want exactly one FILE, got %d\n", fs.NArg())
		fs.Usage()
		return errUsage
	}
	path := fs.Arg(0)
	name := *pkg
	if name == "" {
		name = os.Getenv("GOPACKAGE")
	}
	if name == "" {
		name = "main"
	}
	if err := overwritesInput("-o", *out, path); err != nil {
		fmt.Fprintf(stderr, "nodekit gen: %v\n", err)
		return errUsage
	}
	prog, err := compileFile(path)
	if err != nil {
		return err
	}
	opts := &codegen.Options{Package: name, Source: filepath.Base(path)}
	if *model != "" {
		opts.Models = []string{*model}
	}
	src, err := codegen.Go(prog, opts)
	if err != nil {
		return err
	}
	if *out == "" {
		_, err = stdout.Write(src)
		return err
	}
	return genWriteFile(*out, src)
}

// genWriteFile writes data atomically (dataio.WriteFileAtomic), so a
// failed run never leaves half a generated file.
func genWriteFile(path string, data []byte) error {
	return dataio.WriteFileAtomic(path, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}
