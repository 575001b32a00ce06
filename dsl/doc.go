// Package dsl reads `.node` model files: a participle grammar that yields
// an AST with positions, semantic checks with `file:line:col` errors, a
// lowering to a typed expression DAG (the IR) shared by the interpreter
// and the code generator, symbolic differentiation on that IR, a canonical
// printer (`nodekit fmt`) and a register-machine evaluator.
//
// # Pipeline
//
//	f, err := dsl.Parse("lorenz.node", src)  // *File: the AST
//	prog, err := dsl.Check(f)                // *Program: the IR, one *Model per model
//	out := dsl.Format(f)                     // canonical source
//	// or in one go:
//	prog, err := dsl.Compile("lorenz.node", src)
//
// Errors are *Error values ("file:line:col: message" followed by the
// source line and a caret) collected in an ErrorList; errors.Is matches
// them against the sentinels ErrSyntax, ErrUndefined, ErrDuplicate,
// ErrEquation, ErrDimension, ErrArgCount and ErrInvalid.
//
// # The language
//
// The grammar in EBNF is Grammar() (kept in testdata/grammar.ebnf by a
// golden test). Items are separated by newlines; an expression continues
// onto the next line only after a binary operator, a comma or an open
// bracket. Besides the forms of the issue (param, const, state, let,
// output, noise, net, augment, coord, momentum, hamiltonian, x' = …,
// x” = …, (x, a)' = …) the language has the comparisons < <= > >= == !=
// (1 or 0), sign(x), vector literals that concatenate ([x, a]) and vector
// parameters and consts (param w[3] = 0.5). ifelse(c, a, b) is a when
// c > 0, else b.
//
// # The IR
//
// Every IR expression is a scalar *Expr node. Vectors of the language
// (vector states, `[a, b]` literals, net outputs, elementwise functions)
// are lowered component by component during checking, so the IR knows no
// shapes: a vector state h[2] is the two flat state components y[o] and
// y[o+1]. Names are resolved away too:
//
//   - OpState Index = flat state index into y (see Model.States for which
//     declaration owns which range, Model.StateNames for column names);
//   - OpParam Index = flat declared-parameter index into θ;
//   - OpConst Value = a number (consts are inlined and folded);
//   - OpTime = t;
//   - OpNet Index = net, Out = output component: an opaque neural term
//     whose scalar inputs are Model.Nets[Index].Inputs;
//   - lets are inlined: their nodes are shared by every use.
//
// Interior nodes are OpNeg, OpAdd, OpSub, OpMul, OpDiv, OpPow, the
// comparisons OpLT…OpNE (1 or 0), the functions OpSin…OpSign of one
// argument, OpMin, OpMax and OpIfElse (Args[0] > 0 ? Args[1] : Args[2]).
// Op.Arity gives the number of Args; ops.go defines the exact scalar
// semantics (Sigmoid and Softplus are exported so generated code can use
// the same formulas). The Machine evaluates a^2 with a constant exponent
// 2 as a·a and every other power with math.Pow; a code generator that does
// the same agrees bit for bit.
//
// Nodes are hash-consed by the model's Builder (Model.B): structurally
// equal nodes are the same pointer, so common subexpressions are shared
// and the IR is a DAG. Expr.ID orders nodes topologically (arguments have
// smaller IDs); Walk visits the nodes reachable from some roots once each,
// arguments first. The Builder folds constants and applies the obvious
// simplifications (x+0, x·1, x·0, −−x, x^1, c > 0 ? a : b with constant c).
//
// # A checked model
//
// A *Model is the first-order system
//
//	dy_i/dt = Eqs[i](t, y, θ)                 i < Dim
//	dy_i    = Eqs[i] dt + Noise[i] dW_i        (Itô, diagonal; when IsSDE)
//
// with everything lowered:
//
//   - second order: `state theta = 1, theta' = 0` with `theta” = a` gives
//     two states, "theta" and "theta'" (Kind StateVelocity, Base pointing
//     at theta); Eqs[theta] is the OpState node of theta' and
//     Eqs[theta'] = a;
//   - `augment a[n]` states (Kind StateAugment) start at zero;
//   - `(x, a)' = f` assigns f's components to the concatenated states;
//   - Hamiltonian models: `coord q`, `momentum p`, `hamiltonian = H`.
//     Coordinates are laid out first, then momenta, then any other states.
//     Model.Hamiltonian holds H, the flat indices of q and p and the
//     symbolic ∂H/∂q and ∂H/∂p; Eqs[q_i] = ∂H/∂p_i and Eqs[p_i] = −∂H/∂q_i.
//     Hamiltonian.Separable says H = T(p) + V(q) (symplectic integrators
//     may then be used).
//
// The flat parameter vector θ is the declared parameters (Model.Params,
// NumDeclared components, defaults from DefaultParams) followed by every
// net's parameters (Net.ParamOffset, Net.NumParams): NumParams in all.
// Outputs are named observed quantities (Output.Columns gives the CSV
// columns). Consts and Lets are kept for reference only: their uses are
// already inlined.
//
// To walk a model (for code generation, say):
//
//	roots := append([]*dsl.Expr{}, m.Eqs...)
//	dsl.Walk(roots, func(e *dsl.Expr) { /* emit one temporary per node */ })
//
// # Derivatives
//
// Builder.Diff(e, x) and Model.Diff(e, x) return the simplified symbolic
// derivative ∂e/∂x with respect to a leaf x (m.StateVar(j),
// m.ParamVar(k) or m.B.Time()). The Jacobian entry J[i][j] is
// m.Diff(m.Eqs[i], m.StateVar(j)). A net output differentiates by the
// chain rule into OpNetJac nodes (∂U_out/∂input_in), which a code
// generator evaluates from the net's input Jacobian; the derivatives of
// f with respect to a net's own parameters are not symbolic: use the
// net's VJP (runtime/nn) in reverse mode, as package dsl/eval does.
//
// # Evaluating
//
// Machine compiles roots of an IR DAG to a flat, register-based
// instruction list (no closures, no allocation per call) and evaluates
// them forward and in reverse mode (vector–Jacobian products). Common
// shapes (a·b ± c, a·b ± c·d, a·(b ± c), a·(b − c) ± d, (−a)·b) become
// single superinstructions when the inner node has no other use, so the
// Lorenz right-hand side is three dispatches; each still rounds every
// intermediate separately (never a fused multiply–add), so a generated
// program that writes one Go statement per node agrees bit for bit.
// Machine.Disasm lists a program. Package
// dsl/eval builds on it to make a Model an ode.System. CompileExpr
// compiles a standalone expression over named variables, for example a
// custom SINDy library term:
//
//	f, err := dsl.CompileExpr("x*exp(-y)", []string{"x", "y"})
//	v := f.Eval([]float64{1, 2})
package dsl
