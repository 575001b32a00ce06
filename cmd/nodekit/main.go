// Command nodekit checks, formats, generates, simulates, trains and
// distils `.node` models.
//
// Usage:
//
//	nodekit <command> [flags] [args]
//
// Run `nodekit help` for the list of commands.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
)

// command is one subcommand. Each lives in its own file and registers
// itself from init.
type command struct {
	name    string
	summary string
	// run executes the command; args exclude the command name. It writes
	// regular output to stdout and returns an error for failures.
	run func(args []string, stdout, stderr io.Writer) error
}

var commands = map[string]*command{}

func register(c *command) {
	if _, dup := commands[c.name]; dup {
		panic("nodekit: command registered twice: " + c.name)
	}
	commands[c.name] = c
}

// errUsage marks an error whose message has already been printed together
// with the usage text; main exits with status 2 for it.
var errUsage = errors.New("usage")

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: nodekit <command> [flags] [args]")
	fmt.Fprintln(w, "\ncommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-8s %s\n", n, commands[n].summary)
	}
}

// dispatch runs the command named by args[0] and returns the exit status.
func dispatch(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "nodekit: unknown command %q\n", args[0])
		usage(stderr)
		return 2
	}
	if err := c.run(args[1:], stdout, stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0 // -h, -help, --help: the usage was asked for
		}
		if errors.Is(err, errUsage) {
			return 2
		}
		fmt.Fprintf(stderr, "nodekit %s: %v\n", c.name, err)
		return 1
	}
	return 0
}

// overwritesInput returns an error when out names the same file as one of
// the inputs (a typo such as `nodekit sim -o m.node m.node` would
// otherwise replace the model with a CSV).
func overwritesInput(flagName, out string, inputs ...string) error {
	if out == "" {
		return nil
	}
	fo, err := os.Stat(out)
	if err != nil {
		return nil // does not exist yet
	}
	for _, in := range inputs {
		if fi, err := os.Stat(in); err == nil && os.SameFile(fo, fi) {
			return fmt.Errorf("%s %s would overwrite the input file %s", flagName, out, in)
		}
	}
	return nil
}

func main() {
	os.Exit(dispatch(os.Args[1:], os.Stdout, os.Stderr))
}
