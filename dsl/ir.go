package dsl

import (
	"fmt"
	"math"
	"strconv"

	"github.com/alecthomas/participle/v2/lexer"
)

// Op is the operation of an IR expression node.
type Op uint8

// The IR operations. Leaves first, then arithmetic, then elementary
// functions. The number of arguments of each is fixed (see Op.Arity).
const (
	OpInvalid Op = iota

	// Leaves.
	OpConst // a number: Expr.Value
	OpTime  // the independent variable t
	OpState // the state component y[Expr.Index]
	OpParam // the declared parameter component θ[Expr.Index]
	OpNet   // output Expr.Out of neural term Model.Nets[Expr.Index]
	// OpNetJac is ∂(output Expr.Out of net Expr.Index)/∂(input Expr.In),
	// evaluated at the net's current inputs. Only Diff creates it, when it
	// differentiates through an OpNet node.
	OpNetJac
	// OpNetHess is ∂²(output Expr.Out of net Expr.Index)/∂(input Expr.In)
	// ∂(input Expr.In2), with In ≤ In2 (the Hessian is symmetric). Only
	// Diff creates it, when it differentiates an OpNetJac node (the
	// Jacobian of a Hamiltonian given by a net, say).
	OpNetHess

	// Arithmetic.
	OpNeg // −a
	OpAdd // a + b
	OpSub // a − b
	OpMul // a · b
	OpDiv // a / b
	OpPow // a ^ b

	// Comparisons give 1 when true and 0 when false.
	OpLT
	OpLE
	OpGT
	OpGE
	OpEQ
	OpNE

	// Functions of one argument.
	OpSin
	OpCos
	OpTan
	OpExp
	OpLog
	OpSqrt
	OpAbs
	OpTanh
	OpSigmoid  // 1/(1+e^−a)
	OpSoftplus // log(1+e^a)
	OpRelu     // max(a, 0)
	OpSign     // −1, 0 or +1

	// Functions of two or three arguments.
	OpMin
	OpMax
	OpIfElse // a > 0 ? b : c

	numOps
)

var opNames = [numOps]string{
	OpInvalid: "invalid", OpConst: "const", OpTime: "t", OpState: "state", OpParam: "param",
	OpNet: "net", OpNetJac: "netjac", OpNetHess: "nethess",
	OpNeg: "neg", OpAdd: "+", OpSub: "-", OpMul: "*", OpDiv: "/", OpPow: "^",
	OpLT: "<", OpLE: "<=", OpGT: ">", OpGE: ">=", OpEQ: "==", OpNE: "!=",
	OpSin: "sin", OpCos: "cos", OpTan: "tan", OpExp: "exp", OpLog: "log", OpSqrt: "sqrt",
	OpAbs: "abs", OpTanh: "tanh", OpSigmoid: "sigmoid", OpSoftplus: "softplus", OpRelu: "relu",
	OpSign: "sign", OpMin: "min", OpMax: "max", OpIfElse: "ifelse",
}

// String returns the operator symbol or function name.
func (op Op) String() string {
	if op < numOps {
		return opNames[op]
	}
	return "Op(" + strconv.Itoa(int(op)) + ")"
}

// Arity returns the number of arguments of op.
func (op Op) Arity() int {
	switch {
	case op <= OpNetHess:
		return 0
	case op == OpNeg || (op >= OpSin && op <= OpSign):
		return 1
	case op == OpIfElse:
		return 3
	default:
		return 2
	}
}

// IsLeaf reports whether op has no arguments.
func (op Op) IsLeaf() bool { return op.Arity() == 0 }

// Expr is a node of the IR: a scalar-valued expression. Nodes are
// hash-consed by the Builder that made them: two structurally equal nodes
// of one model are the same pointer, so the IR is a DAG with common
// subexpressions already shared, and pointer equality is structural
// equality.
type Expr struct {
	Op    Op
	Value float64 // OpConst
	// Index is the flat state index (OpState), the flat declared-parameter
	// index (OpParam) or the net index (OpNet, OpNetJac, OpNetHess).
	Index int
	Out   int // OpNet, OpNetJac, OpNetHess: output component
	In    int // OpNetJac, OpNetHess: input component
	In2   int // OpNetHess: the second input component (In ≤ In2)
	Args  []*Expr

	// ID numbers the nodes of one Builder in creation order; arguments
	// always have smaller IDs than their users, so sorting by ID is a
	// topological order.
	ID int
}

// IsConst reports whether e is the constant v.
func (e *Expr) IsConst(v float64) bool { return e.Op == OpConst && e.Value == v }

// String renders e in .node syntax (states and params as y[i] and p[i]);
// it is meant for debugging and tests.
func (e *Expr) String() string {
	switch e.Op {
	case OpConst:
		return formatNumber(e.Value)
	case OpTime:
		return "t"
	case OpState:
		return "y[" + strconv.Itoa(e.Index) + "]"
	case OpParam:
		return "p[" + strconv.Itoa(e.Index) + "]"
	case OpNet:
		return fmt.Sprintf("net%d[%d]", e.Index, e.Out)
	case OpNetJac:
		return fmt.Sprintf("netjac%d[%d,%d]", e.Index, e.Out, e.In)
	case OpNetHess:
		return fmt.Sprintf("nethess%d[%d,%d,%d]", e.Index, e.Out, e.In, e.In2)
	case OpNeg:
		return "(-" + e.Args[0].String() + ")"
	}
	if e.Op >= OpAdd && e.Op <= OpNE {
		return "(" + e.Args[0].String() + " " + e.Op.String() + " " + e.Args[1].String() + ")"
	}
	s := e.Op.String() + "("
	for i, a := range e.Args {
		if i > 0 {
			s += ", "
		}
		s += a.String()
	}
	return s + ")"
}

func formatNumber(v float64) string {
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// Walk calls fn on every node reachable from the roots exactly once, in
// topological order (arguments before users). Nil roots are skipped.
func Walk(roots []*Expr, fn func(*Expr)) {
	seen := map[*Expr]bool{}
	var visit func(e *Expr)
	visit = func(e *Expr) {
		if e == nil || seen[e] {
			return
		}
		seen[e] = true
		for _, a := range e.Args {
			visit(a)
		}
		fn(e)
	}
	for _, r := range roots {
		visit(r)
	}
}

// Program is a checked .node file: one Model per `model` block, in source
// order.
type Program struct {
	Models []*Model
}

// Model returns the model called name, or nil.
func (p *Program) Model(name string) *Model {
	for _, m := range p.Models {
		if m.Name == name {
			return m
		}
	}
	return nil
}

// StateKind says where a state came from.
type StateKind uint8

const (
	StatePlain    StateKind = iota // `state x = …`
	StateVelocity                  // `state x' = …`: the lowered first derivative of a second-order state
	StateAugment                   // `augment a[n]`: starts at zero
	StateCoord                     // `coord q = …` of a Hamiltonian model
	StateMomentum                  // `momentum p = …` of a Hamiltonian model
)

// State is a (scalar or vector) state variable occupying the flat state
// components y[Offset : Offset+Size].
type State struct {
	Name   string // as declared; a velocity state is named "x'"
	Pos    lexer.Position
	Kind   StateKind
	Offset int
	Size   int
	Vector bool      // declared with a size or a vector initial value
	Init   []float64 // initial value, length Size
	// Base is, for a StateVelocity, the index in Model.States of the state
	// it is the derivative of; −1 otherwise.
	Base int
}

// Param is a trainable (scalar or vector) parameter occupying the flat
// declared-parameter components θ[Offset : Offset+Size].
type Param struct {
	Name    string
	Pos     lexer.Position
	Offset  int
	Size    int
	Vector  bool
	Default []float64
}

// Const is a fixed named value; its uses are inlined as OpConst nodes.
type Const struct {
	Name   string
	Pos    lexer.Position
	Vector bool
	Value  []float64
}

// Let is a named intermediate quantity; its uses share the nodes in Value.
type Let struct {
	Name   string
	Pos    lexer.Position
	Vector bool
	Value  []*Expr
}

// Output is an observed quantity: a CSV column (Size 1) or columns
// name[0], name[1], … (vector), and a training target.
type Output struct {
	Name   string
	Pos    lexer.Position
	Vector bool
	Value  []*Expr
}

// Columns returns the column names of o: its name, or name[i] per component.
func (o *Output) Columns() []string {
	if !o.Vector {
		return []string{o.Name}
	}
	c := make([]string, len(o.Value))
	for i := range c {
		c[i] = o.Name + "[" + strconv.Itoa(i) + "]"
	}
	return c
}

// Net is a neural term `net U = mlp(inputs…; hidden = […], act = …, out = n)`:
// a multilayer perceptron of len(Inputs) inputs, the given hidden widths
// with activation Act after every hidden layer, and a linear output layer
// of Out units. Its parameters follow the declared parameters in the
// model's flat parameter vector: θ[ParamOffset : ParamOffset+NumParams],
// laid out layer by layer as runtime/nn's MLP does.
type Net struct {
	Name        string
	Pos         lexer.Position
	Kind        string  // "mlp"
	Inputs      []*Expr // flattened scalar inputs
	Hidden      []int
	Act         string // activation name as written (runtime/nn parses it)
	Out         int
	Outputs     []*Expr // the OpNet nodes of its outputs, length Out
	ParamOffset int
	NumParams   int
}

// Sizes returns the layer widths: inputs, hidden…, outputs.
func (n *Net) Sizes() []int {
	s := []int{len(n.Inputs)}
	s = append(s, n.Hidden...)
	return append(s, n.Out)
}

// Hamiltonian holds a model's `hamiltonian = H` with its canonical
// coordinates and momenta (flat state indices, pairwise: Coords[i] is
// conjugate to Momenta[i]) and the symbolic derivatives ∂H/∂q and ∂H/∂p
// from which the equations q' = ∂H/∂p, p' = −∂H/∂q were built.
type Hamiltonian struct {
	Pos     lexer.Position
	H       *Expr
	Coords  []int
	Momenta []int
	DHDq    []*Expr
	DHDp    []*Expr
	// Separable is true when H = T(p) + V(q): every ∂H/∂p depends on
	// momenta only and every ∂H/∂q on coordinates (and t) only, and the
	// model has no other states. The state is then laid out as (q, p).
	Separable bool
}

// NoiseKind is the shape of a model's diffusion. The kinds mirror
// runtime/sde's NoiseKind (without depending on it).
type NoiseKind uint8

const (
	// NoNoise: the model is an ODE.
	NoNoise NoiseKind = iota
	// NoiseDiagonal: `noise x = σ` lines in a model without wiener
	// declarations; one Wiener process per state component,
	// dy_i = f_i dt + g_i dW_i. NoiseDim = Dim and Noise has Dim entries.
	NoiseDiagonal
	// NoiseScalar: one declared Wiener process (`wiener w`) and a
	// diffusion that depends on the state: dy_i = f_i dt + g_i dW.
	NoiseScalar
	// NoiseAdditive: declared Wiener processes and a diffusion that does
	// not depend on the state (it may depend on t and θ).
	NoiseAdditive
	// NoiseGeneral: declared Wiener processes, m of them, and a state-
	// dependent Dim×m diffusion matrix.
	NoiseGeneral
)

var noiseKindNames = [...]string{"none", "diagonal", "scalar", "additive", "general"}

// String returns the lower-case name of the kind ("diagonal", …).
func (k NoiseKind) String() string {
	if int(k) < len(noiseKindNames) {
		return noiseKindNames[k]
	}
	return "NoiseKind(" + strconv.Itoa(int(k)) + ")"
}

// Wiener is a `wiener w[n]` declaration: n independent Wiener processes,
// columns Offset … Offset+Size−1 of the noise matrix.
type Wiener struct {
	Name   string
	Pos    lexer.Position
	Offset int
	Size   int
	Vector bool // declared with a size
}

// Model is a checked model: a first-order system dy/dt = Eqs(t, y, θ)
// (with noise where Noise is non-nil) over the flat state y of length
// Dim and flat parameters θ (declared parameters, then nets).
type Model struct {
	Name string
	Pos  lexer.Position

	States  []*State
	Params  []*Param
	Consts  []*Const
	Lets    []*Let
	Outputs []*Output
	Nets    []*Net

	// Dim is the number of flat state components.
	Dim int
	// NumDeclared is the number of flat declared-parameter components and
	// NumParams that plus every net's parameters.
	NumDeclared, NumParams int

	// Eqs[i] is dy_i/dt, for every flat component (second-order and
	// Hamiltonian equations already lowered).
	Eqs []*Expr
	// Noise is the diffusion g of dy = f dt + g dW; nil when the model is
	// an ODE. Its layout is runtime/sde's Diffusion layout for NoiseKind:
	// with NoiseDiagonal, Noise[i] = g_i multiplies dW_i (Dim entries);
	// with the other kinds Noise is the Dim×NoiseDim matrix row-major,
	// Noise[i*NoiseDim+j] = g_ij multiplying dW_j (for NoiseScalar that is
	// again Dim entries). Components without a `noise` line are the
	// constant 0, and no entry contains a Wiener process: the checker
	// extracts the coefficient of each.
	Noise []*Expr
	// NoiseKind is the shape of Noise and NoiseDim the number m of
	// independent Wiener processes (Dim for diagonal noise, 0 for an ODE).
	NoiseKind NoiseKind
	NoiseDim  int
	// Wieners are the `wiener` declarations, in order (none for an ODE or
	// diagonal noise).
	Wieners []*Wiener

	Hamiltonian *Hamiltonian

	// B is the builder that owns every node of this model; use it to make
	// new nodes (for example derivatives with B.Diff) that share the DAG.
	B *Builder
}

// IsSDE reports whether m declares noise.
func (m *Model) IsSDE() bool { return m.Noise != nil }

// StateNames returns one name per flat state component: the state's name,
// or name[i] for vector states.
func (m *Model) StateNames() []string {
	names := make([]string, 0, m.Dim)
	for _, s := range m.States {
		if !s.Vector {
			names = append(names, s.Name)
			continue
		}
		for i := 0; i < s.Size; i++ {
			names = append(names, s.Name+"["+strconv.Itoa(i)+"]")
		}
	}
	return names
}

// InitialState returns the flat initial state.
func (m *Model) InitialState() []float64 {
	y := make([]float64, 0, m.Dim)
	for _, s := range m.States {
		y = append(y, s.Init...)
	}
	return y
}

// DefaultParams returns the flat declared-parameter defaults.
func (m *Model) DefaultParams() []float64 {
	p := make([]float64, 0, m.NumDeclared)
	for _, q := range m.Params {
		p = append(p, q.Default...)
	}
	return p
}

// StateVar returns the node for flat state component i.
func (m *Model) StateVar(i int) *Expr { return m.B.State(i) }

// ParamVar returns the node for flat declared-parameter component i.
func (m *Model) ParamVar(i int) *Expr { return m.B.Param(i) }

// Builder creates hash-consed IR nodes, folding constants and applying
// exact-in-practice algebraic simplifications (x+0, x·1, x·0, x^1, −−x…).
// The zero value is not usable; call NewBuilder.
type Builder struct {
	nodes map[nodeKey]*Expr
	n     int
	// depth[id] is the length of the longest path from node id down to a
	// leaf; maxDepth the largest of them. Everything that walks the IR
	// recurses that deep.
	depth    []int32
	maxDepth int
}

// MaxDepth returns the depth of the deepest node made so far: the number
// of nodes on the longest path from a node down to a leaf (1 for a
// leaf). Walking the IR recursively goes this deep.
func (b *Builder) MaxDepth() int { return b.maxDepth }

type nodeKey struct {
	op              Op
	val             uint64
	idx, o, in, in2 int
	a, b, c         int
}

// NewBuilder returns an empty builder.
func NewBuilder() *Builder { return &Builder{nodes: map[nodeKey]*Expr{}} }

// Len returns the number of distinct nodes made so far.
func (b *Builder) Len() int { return b.n }

func (b *Builder) intern(e Expr) *Expr {
	k := nodeKey{op: e.Op, idx: e.Index, o: e.Out, in: e.In, in2: e.In2, a: -1, b: -1, c: -1}
	if e.Op == OpConst {
		v := e.Value
		if v == 0 {
			v = 0 // fold −0 into +0
		}
		e.Value = v
		k.val = math.Float64bits(v)
	}
	for i, a := range e.Args {
		switch i {
		case 0:
			k.a = a.ID
		case 1:
			k.b = a.ID
		case 2:
			k.c = a.ID
		}
	}
	if n, ok := b.nodes[k]; ok {
		return n
	}
	n := new(Expr)
	*n = e
	n.ID = b.n
	b.n++
	b.nodes[k] = n
	d := int32(0)
	for _, a := range e.Args {
		if a.ID < len(b.depth) {
			d = max(d, b.depth[a.ID])
		}
	}
	b.depth = append(b.depth, d+1)
	b.maxDepth = max(b.maxDepth, int(d+1))
	return n
}

// Const returns the constant v.
func (b *Builder) Const(v float64) *Expr { return b.intern(Expr{Op: OpConst, Value: v}) }

// Time returns t.
func (b *Builder) Time() *Expr { return b.intern(Expr{Op: OpTime}) }

// State returns flat state component i.
func (b *Builder) State(i int) *Expr { return b.intern(Expr{Op: OpState, Index: i}) }

// Param returns flat declared-parameter component i.
func (b *Builder) Param(i int) *Expr { return b.intern(Expr{Op: OpParam, Index: i}) }

// Net returns output out of net i.
func (b *Builder) Net(i, out int) *Expr { return b.intern(Expr{Op: OpNet, Index: i, Out: out}) }

// NetJac returns ∂(output out of net i)/∂(input in).
func (b *Builder) NetJac(i, out, in int) *Expr {
	return b.intern(Expr{Op: OpNetJac, Index: i, Out: out, In: in})
}

// NetHess returns ∂²(output out of net i)/∂(input in)∂(input in2); the
// node is shared with NetHess(i, out, in2, in).
func (b *Builder) NetHess(i, out, in, in2 int) *Expr {
	if in > in2 {
		in, in2 = in2, in
	}
	return b.intern(Expr{Op: OpNetHess, Index: i, Out: out, In: in, In2: in2})
}

// Unary returns op(a) for a one-argument op (OpNeg or a function).
func (b *Builder) Unary(op Op, a *Expr) *Expr {
	if op.Arity() != 1 {
		panic("dsl: Builder.Unary with " + op.String())
	}
	if a.Op == OpConst {
		return b.Const(apply1(op, a.Value))
	}
	if op == OpNeg && a.Op == OpNeg {
		return a.Args[0]
	}
	return b.intern(Expr{Op: op, Args: []*Expr{a}})
}

// Neg returns −a.
func (b *Builder) Neg(a *Expr) *Expr { return b.Unary(OpNeg, a) }

// Binary returns a op b for a two-argument op.
func (b *Builder) Binary(op Op, x, y *Expr) *Expr {
	if op.Arity() != 2 {
		panic("dsl: Builder.Binary with " + op.String())
	}
	if x.Op == OpConst && y.Op == OpConst {
		return b.Const(apply2(op, x.Value, y.Value))
	}
	switch op {
	case OpAdd:
		if x.IsConst(0) {
			return y
		}
		if y.IsConst(0) {
			return x
		}
		if y.Op == OpNeg {
			return b.Binary(OpSub, x, y.Args[0])
		}
		if x.Op == OpNeg {
			return b.Binary(OpSub, y, x.Args[0])
		}
	case OpSub:
		if y.IsConst(0) {
			return x
		}
		if x.IsConst(0) {
			return b.Neg(y)
		}
		if y.Op == OpNeg {
			return b.Binary(OpAdd, x, y.Args[0])
		}
		if x == y {
			return b.Const(0)
		}
	case OpMul:
		if x.IsConst(0) || y.IsConst(0) {
			return b.Const(0)
		}
		if x.IsConst(1) {
			return y
		}
		if y.IsConst(1) {
			return x
		}
		if x.IsConst(-1) {
			return b.Neg(y)
		}
		if y.IsConst(-1) {
			return b.Neg(x)
		}
		if x.Op == OpNeg && y.Op == OpNeg {
			return b.Binary(OpMul, x.Args[0], y.Args[0])
		}
	case OpDiv:
		if y.IsConst(1) {
			return x
		}
		if x.IsConst(0) {
			return b.Const(0)
		}
	case OpPow:
		if y.IsConst(1) {
			return x
		}
		if y.IsConst(0) {
			return b.Const(1)
		}
	}
	return b.intern(Expr{Op: op, Args: []*Expr{x, y}})
}

// Add returns x + y.
func (b *Builder) Add(x, y *Expr) *Expr { return b.Binary(OpAdd, x, y) }

// Sub returns x − y.
func (b *Builder) Sub(x, y *Expr) *Expr { return b.Binary(OpSub, x, y) }

// Mul returns x · y.
func (b *Builder) Mul(x, y *Expr) *Expr { return b.Binary(OpMul, x, y) }

// Div returns x / y.
func (b *Builder) Div(x, y *Expr) *Expr { return b.Binary(OpDiv, x, y) }

// IfElse returns c > 0 ? x : y.
func (b *Builder) IfElse(c, x, y *Expr) *Expr {
	if c.Op == OpConst {
		if c.Value > 0 {
			return x
		}
		return y
	}
	if x == y {
		return x
	}
	return b.intern(Expr{Op: OpIfElse, Args: []*Expr{c, x, y}})
}

// Apply returns op applied to args (len(args) must be op.Arity()).
func (b *Builder) Apply(op Op, args ...*Expr) *Expr {
	if len(args) != op.Arity() {
		panic(fmt.Sprintf("dsl: %s takes %d arguments, got %d", op, op.Arity(), len(args)))
	}
	switch len(args) {
	case 1:
		return b.Unary(op, args[0])
	case 2:
		return b.Binary(op, args[0], args[1])
	case 3:
		return b.IfElse(args[0], args[1], args[2])
	}
	panic("dsl: Builder.Apply with leaf op " + op.String())
}

// Import copies e (made by another builder, or this one) into b, remapping
// nothing: leaves keep their indices.
func (b *Builder) Import(e *Expr) *Expr {
	memo := map[*Expr]*Expr{}
	var imp func(e *Expr) *Expr
	imp = func(e *Expr) *Expr {
		if r, ok := memo[e]; ok {
			return r
		}
		var r *Expr
		if e.Op.IsLeaf() {
			r = b.intern(Expr{Op: e.Op, Value: e.Value, Index: e.Index, Out: e.Out, In: e.In, In2: e.In2})
		} else {
			args := make([]*Expr, len(e.Args))
			for i, a := range e.Args {
				args[i] = imp(a)
			}
			r = b.Apply(e.Op, args...)
		}
		memo[e] = r
		return r
	}
	return imp(e)
}
