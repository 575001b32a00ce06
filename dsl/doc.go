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
// (1 or 0), sign(x), vector literals that concatenate ([x, a]), vector
// parameters and consts (param w[3] = 0.5) and `wiener` declarations for
// non-diagonal noise (see Noise below). ifelse(c, a, b) is a when c > 0,
// else b.
//
// # Noise
//
// A model is an SDE dy = f dt + g dW when it has `noise` lines. Without
// `wiener` declarations each line gives the diagonal diffusion of one
// state, driven by a Wiener process of its own:
//
//	noise x = s                   // dx = … dt + s dW_x
//
// With them, the model declares its Wiener processes and every noise line
// is a linear combination of their increments; the coefficients form the
// Dim×m matrix g, so one process may drive several states (correlated
// noise) and a state may be driven by several processes:
//
//	model Correlated {
//	    param s1 = 0.3, s2 = 0.1
//	    state x = 0, y = 0
//	    wiener w[2]               // m = 2 independent Wiener processes
//	    x' = -x
//	    y' = -y
//	    noise x = s1*w[0]         // g[x] = [s1, 0]
//	    noise y = s2*w[0] + s1*w[1] // g[y] = [s2, s1]
//	}
//
// `wiener w` declares one process (used as w), `wiener w[m]` m of them
// (w[j], or w elementwise: `noise h = s*w` for a vector state h[m]);
// several declarations are numbered in order. A noise line must be linear
// in the increments — Σ_j c_j·w_j where the c_j may use states,
// parameters, nets and t but no increment — and the checker extracts each
// c_j as the symbolic derivative with respect to w_j. It rejects, with a
// file:line:col error, products of increments (w[0]*w[1], w^2), an
// increment inside a function, a power, a comparison, a denominator or
// the condition of ifelse, a term without any increment (s*w + 1, or a
// line `noise x = s` in a model with wiener declarations), an unknown
// index, a Wiener process used outside noise lines (equations, lets,
// outputs, nets, values) and a declared process that drives no state.
//
// The kind of the noise (Model.NoiseKind, runtime/sde's NoiseKind) is
// diagonal for the first form; with wiener declarations it is additive
// when no entry of g depends on the state, scalar when m = 1, general
// otherwise. The solvers of runtime/sde that accept general noise are
// euler (Itô), euler_heun, heun, midpoint and reversible_heun
// (Stratonovich; strong order 0.5 for non-commuting noise); milstein
// takes diagonal, scalar or additive noise, sriw1 diagonal or scalar, and
// sra1, sra3 additive noise (TestGeneralNoiseMethods in dsl/eval). As
// with diagonal noise, the model reads as Itô under euler and as
// Stratonovich under the Stratonovich methods; for additive noise the two
// agree.
//
// # Limits
//
// Hostile or mistaken input gets an error with a position rather than
// exhausting the stack, memory or time: expressions nest at most
// MaxNesting (1000) levels (brackets, and chains of unary minus and ^);
// one declaration has at most 65536 components and a file 2^20 in all; a
// net layer is at most 16384 wide, with at most 64 hidden layers and 2^26
// parameters per net and per model; the models of a file have at most
// 2^21 IR nodes, and chains of lets at most 65536 levels; a noise matrix
// has at most 2^20 entries. Parse and Check report at most 20 errors.
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
//	dy_i/dt = Eqs[i](t, y, θ)                         i < Dim
//	dy_i    = Eqs[i] dt + Noise[i] dW_i                (NoiseDiagonal)
//	dy_i    = Eqs[i] dt + Σ_j Noise[i*m+j] dW_j        (other kinds, m = NoiseDim)
//
// with everything lowered:
//
//   - second order: `state theta = 1, theta' = 0` with `theta” = a` gives
//     two states, "theta" and "theta'" (Kind StateVelocity, Base pointing
//     at theta); Eqs[theta] is the OpState node of theta' and
//     Eqs[theta'] = a;
//   - `augment a[n]` states (Kind StateAugment) start at zero;
//   - `(x, a)' = f` assigns f's components to the concatenated states;
//   - noise: Noise is g in runtime/sde's Diffusion layout for NoiseKind
//     (Dim entries for diagonal and scalar noise, the Dim×m matrix
//     row-major otherwise), with no Wiener process left in it; Wieners
//     lists the declarations (their columns);
//   - Hamiltonian models: `coord q`, `momentum p`, `hamiltonian = H`.
//     Coordinates are laid out first, then momenta, then any other states.
//     Model.Hamiltonian holds H, the flat indices of q and p and the
//     symbolic ∂H/∂q and ∂H/∂p; Eqs[q_i] = ∂H/∂p_i and Eqs[p_i] = −∂H/∂q_i.
//     Hamiltonian.Separable says H = T(p) + V(q) (symplectic integrators
//     may then be used). H may use nets — a Hamiltonian neural network in
//     one line, `net H = mlp(q, p; hidden = [64, 64], act = tanh, out = 1)`
//     with `hamiltonian = H` (or p^2/2 + H[0], …): ∂H/∂q and ∂H/∂p then
//     contain OpNetJac nodes, and a net's dependence on q, p or t (through
//     its inputs) counts for Separable, so a potential net V(q) in
//     p^2/2 + V[0] keeps the model separable.
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
// generator evaluates from the net's input Jacobian, and an OpNetJac
// (in the equations of a Hamiltonian given by a net) into OpNetHess nodes
// (∂²U_out/∂input_in∂input_in2, symmetric: In ≤ In2), which it evaluates
// with the net's second-order product (runtime/nn's VJPJVP). Third
// derivatives of a net are not supported. The derivatives of f with
// respect to a net's own parameters are not symbolic: use the net's VJP
// (and, through an OpNetJac, its VJPJVP) in reverse mode, as package
// dsl/eval does.
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
// Machine.Disasm lists a program. A Machine evaluates OpNetJac nodes by
// back-propagating a unit vector through the net, and Reverse
// differentiates them with the net's VJPJVP (NetFunc2). Package
// dsl/eval builds on it to make a Model an ode.System. CompileExpr
// compiles a standalone expression over named variables, for example a
// custom SINDy library term:
//
//	f, err := dsl.CompileExpr("x*exp(-y)", []string{"x", "y"})
//	v := f.Eval([]float64{1, 2})
package dsl
