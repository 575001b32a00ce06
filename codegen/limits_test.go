package codegen

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/nodekit/nodekit/dsl"
)

// TestSizeLimits: models too large for straight-line derivative code are
// refused with ErrUnsupported naming the model, instead of running for
// hours (h[65536] with h' = -h took Dim passes over Dim equations for the
// Jacobian alone, 4·10⁹ node visits).
func TestSizeLimits(t *testing.T) {
	var factors strings.Builder
	for i := 1; i <= 150; i++ {
		fmt.Fprintf(&factors, "*(x+%d)", i)
	}
	for _, tc := range []struct {
		name, src string
		ok        bool
	}{
		{"max dim", fmt.Sprintf("model D {\n  state h[%d] = 1\n  h' = -h\n}\n", MaxDim), true},
		{"over dim", fmt.Sprintf("model D {\n  state h[%d] = 1\n  h' = -h\n}\n", MaxDim+1), false},
		{"huge dim", "model D {\n  state h[65536] = 1\n  h' = -h\n}\n", false},
		{"params × size", "model P {\n  state x = 1\n  param v[60000] = 1\n  x' = v[0]*x" + factors.String() + "\n}\n", false},
		{"params", "model P {\n  state x = 1\n  param v[60000] = 1\n  x' = v[0]*x\n}\n", true},
	} {
		prog, err := dsl.Compile("big.node", []byte(tc.src))
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		out, err := Go(prog, nil)
		switch {
		case tc.ok && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case !tc.ok && (!errors.Is(err, ErrUnsupported) || !strings.HasPrefix(err.Error(), "big.node:1:1: codegen: unsupported model feature: model "+prog.Models[0].Name+" ")):
			t.Errorf("%s: got %v (%d bytes of code), want ErrUnsupported", tc.name, err, len(out))
		}
	}
}
