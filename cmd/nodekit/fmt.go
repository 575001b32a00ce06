package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/nodekit/nodekit/dsl"
	"github.com/nodekit/nodekit/internal/dataio"
)

func init() {
	register(&command{
		name:    "fmt",
		summary: "print .node files in canonical form (-w rewrites them)",
		run:     runFmt,
	})
}

func runFmt(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("fmt", flag.ContinueOnError)
	fs.SetOutput(stderr)
	write := fs.Bool("w", false, "write the result back to each file instead of printing it")
	list := fs.Bool("l", false, "only list the files whose formatting differs")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: nodekit fmt [-w] [-l] FILE…")
		fmt.Fprintln(stderr, "\nPrints each file in canonical form (idempotent; comments are kept).\n\nflags:")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(stderr, "nodekit fmt: no files")
		fs.Usage()
		return errUsage
	}
	bad := 0
	for _, path := range fs.Args() {
		src, err := os.ReadFile(path)
		if err != nil {
			fmt.Fprintln(stderr, err)
			bad++
			continue
		}
		f, err := dsl.Parse(path, src)
		if err != nil {
			fmt.Fprintln(stderr, err)
			bad++
			continue
		}
		out := dsl.Format(f)
		changed := !bytes.Equal(out, src)
		if *list {
			if changed {
				fmt.Fprintln(stdout, path)
			}
			if !*write {
				continue
			}
		}
		if *write {
			if !changed {
				continue
			}
			if err := dataio.WriteFileAtomic(path, func(w io.Writer) error {
				_, err := w.Write(out)
				return err
			}); err != nil {
				fmt.Fprintln(stderr, err)
				bad++
			}
			continue
		}
		stdout.Write(out)
	}
	if bad > 0 {
		return fmt.Errorf("%d of %d files could not be formatted", bad, fs.NArg())
	}
	return nil
}
