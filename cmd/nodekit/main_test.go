package main

import (
	"bytes"
	"strings"
	"testing"
)

// Every command answers --help with its usage and exit status 0; an
// unknown flag is a usage error (2).
func TestHelpAndUsageErrors(t *testing.T) {
	if len(commands) < 5 {
		t.Fatalf("%d commands registered, want check, fmt, gen, sim, sindy at least", len(commands))
	}
	for name := range commands {
		for _, h := range []string{"--help", "-h"} {
			var out, errb bytes.Buffer
			if code := dispatch([]string{name, h}, &out, &errb); code != 0 {
				t.Errorf("nodekit %s %s: exit %d, want 0", name, h, code)
			}
			if !strings.Contains(errb.String()+out.String(), "usage: nodekit "+name) {
				t.Errorf("nodekit %s %s printed no usage:\n%s", name, h, errb.String())
			}
		}
		var out, errb bytes.Buffer
		if code := dispatch([]string{name, "-no-such-flag"}, &out, &errb); code != 2 {
			t.Errorf("nodekit %s -no-such-flag: exit %d, want 2", name, code)
		}
	}
	var out, errb bytes.Buffer
	if code := dispatch([]string{"frobnicate"}, &out, &errb); code != 2 || !strings.Contains(errb.String(), "unknown command") {
		t.Errorf("unknown command: exit %d, stderr %q", code, errb.String())
	}
	if code := dispatch(nil, &out, &errb); code != 2 {
		t.Errorf("no command: exit %d, want 2", code)
	}
	out.Reset()
	errb.Reset()
	if code := dispatch([]string{"help"}, &out, &errb); code != 0 || !strings.Contains(errb.String(), "sindy") {
		t.Errorf("help: exit %d, stderr %q", code, errb.String())
	}
}
