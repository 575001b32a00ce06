package dsl

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/alecthomas/participle/v2/lexer"

	"github.com/nodekit/nodekit/runtime/nn"
)

// Limits that keep hostile input from exhausting memory.
const (
	maxSize    = 1 << 16 // components of one declaration
	maxWidth   = 1 << 14 // units of one net layer
	maxLayers  = 64
	maxErrors  = 20
	maxNetSize = 1 << 26 // parameters of one net, and of a model
	maxNoise   = 1 << 20 // entries of a noise matrix
	maxHamWork = 1 << 26 // nodes of H × canonical pairs, for ∂H
)

// Budgets per file: the components of every declaration together
// (states, parameters, consts, Wiener processes), and the IR nodes of
// every model together, so that neither many large declarations nor
// elementwise operations on large vectors (h*h*…*h with h[65536]) can
// exhaust memory. Variables so that tests can lower them.
var (
	maxComponents = 1 << 20
	maxNodes      = 1 << 21
	// maxDepth bounds the IR's depth, which lets can build up beyond
	// MaxNesting (let a2 = sin(a1), let a3 = sin(a2), …): the code that
	// walks the IR recurses that deep, and its derivatives deeper.
	maxDepth = 1 << 16
)

// Compile parses and checks src: Parse followed by Check.
func Compile(filename string, src []byte) (*Program, error) {
	f, err := Parse(filename, src)
	if err != nil {
		return nil, err
	}
	return Check(f)
}

// Check resolves and type-checks every model of f and lowers it to IR.
// Errors are an ErrorList in source order.
func Check(f *File) (*Program, error) {
	c := &checker{f: f}
	prog := &Program{}
	seen := map[string]lexer.Position{}
	for _, md := range f.Models {
		if c.tooBig {
			break // reported; the rest would only repeat it
		}
		if p, dup := seen[md.Name]; dup {
			c.errorf(ErrDuplicate, md.Pos, "model %s is already declared at %s", md.Name, short(p))
			continue
		}
		seen[md.Name] = md.Pos
		m, b := c.model(md)
		c.nodes += b.Len()
		if m != nil {
			prog.Models = append(prog.Models, m)
		}
	}
	if len(f.Models) == 0 {
		c.errorf(ErrInvalid, lexer.Position{Filename: f.Name, Line: 1, Column: 1}, "no model in file")
	}
	if len(c.errs) > 0 {
		c.errs.sort()
		if len(c.errs) > maxErrors {
			c.errs = c.errs[:maxErrors]
		}
		return nil, c.errs
	}
	return prog, nil
}

type checker struct {
	f    *File
	errs ErrorList
	// Size budgets of the file: declared components and IR nodes of the
	// models already checked; tooBig is set once a budget was exceeded
	// (and reported).
	components int
	nodes      int
	tooBig     bool
}

func (c *checker) errorf(kind error, pos lexer.Position, format string, a ...any) {
	if pos.Filename == "" {
		pos.Filename = c.f.Name
	}
	c.errs = append(c.errs, &Error{Pos: pos, Msg: fmt.Sprintf(format, a...), Kind: kind, Line: sourceLine(c.f.lines, pos.Line)})
}

func short(p lexer.Position) string { return fmt.Sprintf("%d:%d", p.Line, p.Column) }

// value is a checked expression: its scalar components, and whether it is
// a vector (a scalar has one component and vec false). A nil e marks an
// expression that already produced an error.
type value struct {
	e   []*Expr
	vec bool
}

func scalar(e *Expr) value { return value{e: []*Expr{e}} }

func (v value) bad() bool { return v.e == nil }

type symKind uint8

const (
	symConst symKind = iota
	symParam
	symState
	symLet
	symOutput
	symNet
	symWiener
)

var symKindNames = [...]string{"const", "param", "state", "let", "output", "net", "wiener"}

type symbol struct {
	kind  symKind
	name  string
	pos   lexer.Position
	decl  *Decl
	net   *NetItem
	state *State
	// lazy resolution
	val       value
	resolving bool
	resolved  bool
}

type modelChecker struct {
	c       *checker
	b       *Builder
	m       *Model
	syms    map[string]*symbol
	order   []*symbol
	netSyms []*symbol
	// tried marks flat state components whose equation had an error, so
	// that no "has no equation" error follows.
	tried map[int]bool
	// inNoise is set while the value of a noise line is checked: only
	// there may Wiener processes be used.
	inNoise bool
	// resolveDepth counts the nested resolutions of lets, consts and nets.
	resolveDepth int
}

var keywords = map[string]bool{
	"model": true, "param": true, "const": true, "state": true, "let": true, "output": true,
	"augment": true, "coord": true, "momentum": true, "noise": true, "net": true,
	"hamiltonian": true, "t": true, "mlp": true, "wiener": true,
}

type funcInfo struct {
	op    Op
	arity int
}

var functions = map[string]funcInfo{
	"sin": {OpSin, 1}, "cos": {OpCos, 1}, "tan": {OpTan, 1}, "exp": {OpExp, 1}, "log": {OpLog, 1},
	"sqrt": {OpSqrt, 1}, "abs": {OpAbs, 1}, "tanh": {OpTanh, 1}, "sigmoid": {OpSigmoid, 1},
	"softplus": {OpSoftplus, 1}, "relu": {OpRelu, 1}, "sign": {OpSign, 1},
	"min": {OpMin, 2}, "max": {OpMax, 2}, "pow": {OpPow, 2}, "ifelse": {OpIfElse, 3},
}

var binOps = map[string]Op{
	"+": OpAdd, "-": OpSub, "*": OpMul, "/": OpDiv, "^": OpPow,
	"<": OpLT, "<=": OpLE, ">": OpGT, ">=": OpGE, "==": OpEQ, "!=": OpNE,
}

// model checks one model; it returns nil for a model with errors, and the
// model's builder either way (for the file's node budget).
func (c *checker) model(md *ModelDecl) (*Model, *Builder) {
	nerr := len(c.errs)
	mc := &modelChecker{c: c, b: NewBuilder(), syms: map[string]*symbol{}, tried: map[int]bool{}}
	m := &Model{Name: md.Name, Pos: md.Pos, B: mc.b}
	mc.m = m
	if keywords[md.Name] || functions[md.Name].arity > 0 {
		c.errorf(ErrInvalid, md.Pos, "%s is reserved and cannot name a model", md.Name)
	}

	var (
		stateDecls []*Decl
		stateKinds []StateKind
		noises     []*Decl
		eqs        []*EquationItem
		ham        *HamiltonianItem
	)
	// Pass 1: declare every name.
	for _, it := range md.Items {
		switch it := it.(type) {
		case *DeclItem:
			for _, d := range it.Decls {
				switch it.Kind {
				case "noise":
					noises = append(noises, d)
					continue
				case "wiener":
					mc.declare(&symbol{kind: symWiener, name: d.Name, pos: d.Pos, decl: d})
				case "param":
					mc.declare(&symbol{kind: symParam, name: d.Name, pos: d.Pos, decl: d})
				case "const":
					mc.declare(&symbol{kind: symConst, name: d.Name, pos: d.Pos, decl: d})
				case "let":
					mc.declare(&symbol{kind: symLet, name: d.Name, pos: d.Pos, decl: d})
				case "output":
					mc.declare(&symbol{kind: symOutput, name: d.Name, pos: d.Pos, decl: d})
				case "state", "augment", "coord", "momentum":
					k := map[string]StateKind{"state": StatePlain, "augment": StateAugment, "coord": StateCoord, "momentum": StateMomentum}[it.Kind]
					if mc.declare(&symbol{kind: symState, name: d.Name, pos: d.Pos, decl: d}) {
						stateDecls = append(stateDecls, d)
						stateKinds = append(stateKinds, k)
					}
				}
			}
		case *NetItem:
			s := &symbol{kind: symNet, name: it.Name, pos: it.Pos, net: it}
			if mc.declare(s) {
				mc.netSyms = append(mc.netSyms, s)
			}
		case *HamiltonianItem:
			if ham != nil {
				c.errorf(ErrDuplicate, it.Pos, "second hamiltonian (the first is at %s)", short(ham.Pos))
				continue
			}
			ham = it
		case *EquationItem:
			eqs = append(eqs, it)
		}
	}

	// Declared parameters, in order.
	for _, s := range mc.order {
		if s.kind != symParam {
			continue
		}
		v, ok := mc.constDecl(s.decl, "param", true)
		if !ok {
			s.resolved = true
			continue
		}
		p := &Param{Name: s.name, Pos: s.pos, Offset: m.NumDeclared, Size: len(v), Vector: s.decl.Size != "" || len(v) > 1 || mc.isVecLit(s.decl)}
		p.Default = v
		val := value{vec: p.Vector}
		for i := range v {
			val.e = append(val.e, mc.b.Param(p.Offset+i))
		}
		s.val, s.resolved = val, true
		m.NumDeclared += p.Size
		m.Params = append(m.Params, p)
	}

	// States: coordinates, then momenta, then the rest (declaration order
	// within each group).
	var hasCoord, hasMom bool
	for _, k := range stateKinds {
		hasCoord = hasCoord || k == StateCoord
		hasMom = hasMom || k == StateMomentum
	}
	rank := func(k StateKind) int {
		switch k {
		case StateCoord:
			return 0
		case StateMomentum:
			return 1
		}
		return 2
	}
	for r := 0; r < 3; r++ {
		for i, d := range stateDecls {
			if rank(stateKinds[i]) != r {
				continue
			}
			mc.declareState(d, stateKinds[i])
		}
	}
	// Velocity states refer to their base.
	for si, st := range m.States {
		if !strings.HasSuffix(st.Name, "'") {
			continue
		}
		base := strings.TrimSuffix(st.Name, "'")
		if strings.HasSuffix(base, "'") {
			c.errorf(ErrInvalid, st.Pos, "state %s: only first derivatives can be declared as states", st.Name)
			continue
		}
		bs := mc.syms[base]
		if bs == nil || bs.kind != symState {
			c.errorf(ErrUndefined, st.Pos, "state %s is the velocity of %s, which is not a declared state", st.Name, base)
			continue
		}
		if bs.state == nil {
			continue
		}
		if bs.state.Kind != StatePlain || st.Kind != StatePlain {
			c.errorf(ErrInvalid, st.Pos, "%s: second-order states must be declared with state", st.Name)
			continue
		}
		if bs.state.Size != st.Size || bs.state.Vector != st.Vector {
			c.errorf(ErrDimension, st.Pos, "velocity %s has %d components but %s has %d", st.Name, st.Size, base, bs.state.Size)
			continue
		}
		st.Kind = StateVelocity
		for bi, b := range m.States {
			if b == bs.state {
				st.Base = bi
			}
		}
		_ = si
	}
	if m.Dim == 0 && len(c.errs) == nerr {
		c.errorf(ErrInvalid, md.Pos, "model %s has no states", md.Name)
	}
	// Wiener processes: placeholder leaves after the states.
	for _, s := range mc.order {
		if s.kind == symWiener {
			mc.declareWiener(s)
		}
	}

	// Nets: resolve each (their inputs may use lets, lets may use nets).
	for _, s := range mc.netSyms {
		mc.resolve(s, s.pos)
	}
	// Lets and consts that are never used are still checked.
	for _, s := range mc.order {
		if s.kind == symLet || s.kind == symConst {
			mc.resolve(s, s.pos)
		}
	}
	off := m.NumDeclared
	for _, n := range m.Nets {
		n.ParamOffset = off
		off += n.NumParams
	}
	m.NumParams = off
	if off > maxNetSize && len(c.errs) == nerr {
		c.errorf(ErrInvalid, md.Pos, "model %s has too many parameters (%d > %d in all)", md.Name, off, maxNetSize)
	}

	// Equations.
	m.Eqs = make([]*Expr, m.Dim)
	eqPos := make([]lexer.Position, m.Dim)
	for _, st := range m.States {
		if st.Kind == StateVelocity {
			base := m.States[st.Base]
			for i := 0; i < st.Size; i++ {
				m.Eqs[base.Offset+i] = mc.b.State(st.Offset + i)
				eqPos[base.Offset+i] = st.Pos
			}
		}
	}
	for _, eq := range eqs {
		mc.equation(eq, eqPos)
	}

	// Hamiltonian.
	if ham != nil || hasCoord || hasMom {
		mc.hamiltonian(ham, eqPos)
	}

	for _, st := range m.States {
		for i := 0; i < st.Size; i++ {
			if m.Eqs[st.Offset+i] != nil || mc.tried[st.Offset+i] {
				continue
			}
			switch st.Kind {
			case StateVelocity:
				c.errorf(ErrEquation, st.Pos, "state %s has no equation: write %s' = …", st.Name, st.Name)
			case StateCoord, StateMomentum:
				// reported by hamiltonian
			default:
				c.errorf(ErrEquation, st.Pos, "state %s has no equation: write %s' = …", st.Name, st.Name)
			}
			break
		}
	}

	// Noise.
	switch {
	case len(m.Wieners) > 0:
		mc.generalNoise(noises)
	case len(noises) > 0:
		m.Noise = make([]*Expr, m.Dim)
		m.NoiseKind, m.NoiseDim = NoiseDiagonal, m.Dim
		nPos := make([]lexer.Position, m.Dim)
		for _, d := range noises {
			mc.noise(d, nPos, func(row int, e *Expr) bool {
				m.Noise[row] = e
				return true
			})
		}
		zero := mc.b.Const(0)
		for i, g := range m.Noise {
			if g == nil {
				m.Noise[i] = zero
			}
		}
	}

	// Outputs.
	for _, s := range mc.order {
		if s.kind != symOutput {
			continue
		}
		if s.decl.Value == nil {
			c.errorf(ErrInvalid, s.pos, "output %s needs a value: output %s = …", s.name, s.name)
			continue
		}
		v := mc.eval(s.decl.Value)
		if v.bad() {
			continue
		}
		m.Outputs = append(m.Outputs, &Output{Name: s.name, Pos: s.pos, Vector: v.vec, Value: v.e})
	}

	mc.overBudget(md.Pos, 0)
	if len(c.errs) > nerr {
		return nil, mc.b
	}
	return m, mc.b
}

// overBudget reports whether the file has exceeded one of its size
// budgets after adding n declared components, reporting the first excess
// at pos.
func (mc *modelChecker) overBudget(pos lexer.Position, n int) bool {
	c := mc.c
	if c.tooBig {
		return true
	}
	c.components += n
	switch {
	case c.components > maxComponents:
		c.errorf(ErrInvalid, pos, "the file declares too many components (more than %d in all)", maxComponents)
	case c.nodes+mc.b.Len() > maxNodes:
		c.errorf(ErrInvalid, pos, "the model is too large: more than %d expression nodes", maxNodes)
	case mc.b.MaxDepth() > maxDepth:
		c.errorf(ErrInvalid, pos, "expressions nested too deeply: more than %d levels through lets", maxDepth)
	default:
		return false
	}
	c.tooBig = true
	return true
}

// declare adds a symbol, reporting duplicates and reserved names.
func (mc *modelChecker) declare(s *symbol) bool {
	c := mc.c
	base := strings.TrimRight(s.name, "'")
	if keywords[base] {
		c.errorf(ErrInvalid, s.pos, "%s is a keyword and cannot be declared", base)
		return false
	}
	if _, ok := functions[base]; ok {
		c.errorf(ErrInvalid, s.pos, "%s is a built-in function and cannot be declared", base)
		return false
	}
	if base != s.name && s.kind != symState {
		c.errorf(ErrInvalid, s.pos, "%s: only states may have primes in their name (the velocity of a second-order state)", s.name)
		return false
	}
	if prev, dup := mc.syms[s.name]; dup {
		c.errorf(ErrDuplicate, s.pos, "%s is already declared as a %s at %s", s.name, symKindNames[prev.kind], short(prev.pos))
		return false
	}
	mc.syms[s.name] = s
	mc.order = append(mc.order, s)
	return true
}

func (mc *modelChecker) isVecLit(d *Decl) bool {
	_, ok := d.Value.(*Vector)
	return ok
}

// size parses a declared size; 0 means absent.
func (mc *modelChecker) size(d *Decl) (int, bool) {
	if d.Size == "" {
		return 0, true
	}
	n, err := strconv.Atoi(d.Size)
	if errors.Is(err, strconv.ErrRange) {
		n, err = maxSize+1, nil // reported as too large below
	}
	if err != nil || n <= 0 {
		mc.c.errorf(ErrInvalid, d.Pos, "size of %s must be a positive integer, got %s", d.Name, d.Size)
		return 0, false
	}
	if n > maxSize {
		mc.c.errorf(ErrInvalid, d.Pos, "size of %s is too large (%s > %d)", d.Name, d.Size, maxSize)
		return 0, false
	}
	if mc.overBudget(d.Pos, n) {
		return 0, false
	}
	return n, true
}

// constDecl evaluates a declaration whose value must be constant, with
// the declared size (broadcasting a scalar).
func (mc *modelChecker) constDecl(d *Decl, what string, required bool) ([]float64, bool) {
	n, ok := mc.size(d)
	if !ok {
		return nil, false
	}
	if d.Value == nil {
		if required {
			mc.c.errorf(ErrInvalid, d.Pos, "%s %s needs a value: %s %s = …", what, d.Name, what, d.Name)
			return nil, false
		}
		if n == 0 {
			n = 1
		}
		return make([]float64, n), true
	}
	v := mc.eval(d.Value)
	if v.bad() {
		return nil, false
	}
	out := make([]float64, len(v.e))
	for i, e := range v.e {
		if e.Op != OpConst {
			mc.c.errorf(ErrInvalid, d.Value.Position(), "the value of %s %s must be a constant expression", what, d.Name)
			return nil, false
		}
		if math.IsNaN(e.Value) || math.IsInf(e.Value, 0) {
			mc.c.errorf(ErrInvalid, d.Value.Position(), "the value of %s %s is %v, not a finite number", what, d.Name, e.Value)
			return nil, false
		}
		out[i] = e.Value
	}
	if n == 0 {
		if mc.overBudget(d.Pos, len(out)) {
			return nil, false
		}
		return out, true
	}
	if !v.vec && len(out) == 1 {
		b := make([]float64, n)
		for i := range b {
			b[i] = out[0]
		}
		return b, true
	}
	if len(out) != n {
		mc.c.errorf(ErrDimension, d.Value.Position(), "%s %s has size %d but its value has %d components", what, d.Name, n, len(out))
		return nil, false
	}
	return out, true
}

func (mc *modelChecker) declareState(d *Decl, kind StateKind) {
	m := mc.m
	s := mc.syms[d.Name]
	what := map[StateKind]string{StatePlain: "state", StateAugment: "augment", StateCoord: "coord", StateMomentum: "momentum"}[kind]
	var init []float64
	ok := true
	if kind == StateAugment {
		if d.Value != nil {
			mc.c.errorf(ErrInvalid, d.Value.Position(), "augmented state %s starts at zero and takes no value", d.Name)
			s.resolved = true
			return
		}
		init, ok = mc.constDecl(d, what, false)
	} else {
		init, ok = mc.constDecl(d, what, true)
	}
	if !ok {
		s.resolved = true
		return
	}
	st := &State{Name: d.Name, Pos: d.Pos, Kind: kind, Offset: m.Dim, Size: len(init), Init: init, Base: -1,
		Vector: d.Size != "" || mc.isVecLit(d) || len(init) > 1}
	m.States = append(m.States, st)
	m.Dim += st.Size
	s.state = st
	v := value{vec: st.Vector}
	for i := 0; i < st.Size; i++ {
		v.e = append(v.e, mc.b.State(st.Offset+i))
	}
	s.val, s.resolved = v, true
}

// resolve computes the value of a const, let or net on first use.
func (mc *modelChecker) resolve(s *symbol, use lexer.Position) value {
	if s.resolved {
		return s.val
	}
	if s.resolving {
		mc.c.errorf(ErrInvalid, use, "%s %s is defined in terms of itself", symKindNames[s.kind], s.name)
		s.resolved = true
		return value{}
	}
	if mc.resolveDepth >= maxDepth {
		// Lets used before their declaration resolve recursively.
		mc.c.errorf(ErrInvalid, use, "%s %s: definitions nested too deeply (more than %d levels)", symKindNames[s.kind], s.name, maxDepth)
		s.resolved = true
		return value{}
	}
	mc.resolveDepth++
	defer func() { mc.resolveDepth-- }()
	s.resolving = true
	var v value
	switch s.kind {
	case symConst:
		vals, ok := mc.constDecl(s.decl, "const", true)
		if ok {
			v.vec = s.decl.Size != "" || mc.isVecLit(s.decl) || len(vals) > 1
			for _, x := range vals {
				v.e = append(v.e, mc.b.Const(x))
			}
			mc.m.Consts = append(mc.m.Consts, &Const{Name: s.name, Pos: s.pos, Vector: v.vec, Value: vals})
		}
	case symLet:
		if s.decl.Size != "" {
			mc.c.errorf(ErrInvalid, s.pos, "let %s: a let takes the size of its value; remove [%s]", s.name, s.decl.Size)
		} else if s.decl.Value == nil {
			mc.c.errorf(ErrInvalid, s.pos, "let %s needs a value: let %s = …", s.name, s.name)
		} else {
			v = mc.eval(s.decl.Value)
			if !v.bad() {
				mc.m.Lets = append(mc.m.Lets, &Let{Name: s.name, Pos: s.pos, Vector: v.vec, Value: v.e})
			}
		}
	case symNet:
		v = mc.net(s.net)
	}
	s.val, s.resolving, s.resolved = v, false, true
	return v
}

// eval checks an expression and lowers it to IR.
func (mc *modelChecker) eval(n Node) value {
	b := mc.b
	c := mc.c
	switch n := n.(type) {
	case *Number:
		return scalar(b.Const(n.Value))
	case *Ident:
		s := mc.syms[n.Name]
		if s == nil && n.Name == "t" {
			return scalar(b.Time())
		}
		if s == nil {
			base := strings.TrimRight(n.Name, "'")
			if _, ok := functions[n.Name]; ok {
				c.errorf(ErrInvalid, n.Pos, "%s is a function: call it as %s(…)", n.Name, n.Name)
			} else if bs := mc.syms[base]; base != n.Name && bs != nil && bs.kind == symState {
				c.errorf(ErrUndefined, n.Pos, "undefined name %s: to use the velocity of %s declare it as a state (state %s = …)", n.Name, base, n.Name)
			} else {
				c.errorf(ErrUndefined, n.Pos, "undefined name %s", n.Name)
			}
			return value{}
		}
		switch s.kind {
		case symOutput:
			c.errorf(ErrInvalid, n.Pos, "output %s cannot be used in expressions (declare it with let)", n.Name)
			return value{}
		case symWiener:
			if !mc.inNoise {
				c.errorf(ErrInvalid, n.Pos, "wiener %s can only be used in noise lines (noise x = σ*%s)", n.Name, n.Name)
				return value{}
			}
			return s.val
		case symConst, symLet, symNet:
			return mc.resolve(s, n.Pos)
		}
		if !s.resolved {
			c.errorf(ErrInvalid, n.Pos, "%s %s is not a constant and cannot be used here", symKindNames[s.kind], n.Name)
			return value{}
		}
		return s.val // params, states (bad() if their declaration failed)
	case *Unary:
		x := mc.eval(n.X)
		if x.bad() {
			return x
		}
		out := value{vec: x.vec, e: make([]*Expr, len(x.e))}
		for i, e := range x.e {
			out.e[i] = b.Neg(e)
		}
		return out
	case *Binary:
		x, y := mc.eval(n.X), mc.eval(n.Y)
		if x.bad() || y.bad() {
			return value{}
		}
		return mc.elementwise(n.Pos, n.Op, binOps[n.Op], []value{x, y})
	case *Call:
		if n.Fun == "mlp" {
			c.errorf(ErrInvalid, n.Pos, "mlp(…) can only be used in a net declaration: net U = mlp(…)")
			return value{}
		}
		fi, ok := functions[n.Fun]
		if !ok {
			c.errorf(ErrUndefined, n.Pos, "unknown function %s", n.Fun)
			return value{}
		}
		if len(n.Args) != fi.arity {
			c.errorf(ErrArgCount, n.Pos, "%s takes %d argument%s, got %d", n.Fun, fi.arity, plural(fi.arity), len(n.Args))
			return value{}
		}
		args := make([]value, len(n.Args))
		for i, a := range n.Args {
			args[i] = mc.eval(a)
			if args[i].bad() {
				return value{}
			}
		}
		return mc.elementwise(n.Pos, n.Fun, fi.op, args)
	case *Index:
		x := mc.eval(n.X)
		ix := mc.eval(n.Index)
		if x.bad() || ix.bad() {
			return value{}
		}
		if !x.vec {
			c.errorf(ErrDimension, n.Pos, "cannot index a scalar")
			return value{}
		}
		if ix.vec || len(ix.e) != 1 || ix.e[0].Op != OpConst {
			c.errorf(ErrInvalid, n.Index.Position(), "index must be a constant integer")
			return value{}
		}
		k := ix.e[0].Value
		if k != math.Trunc(k) {
			c.errorf(ErrInvalid, n.Index.Position(), "index %v is not an integer", k)
			return value{}
		}
		if k < 0 || k >= float64(len(x.e)) {
			c.errorf(ErrDimension, n.Index.Position(), "index %v out of range [0, %d)", k, len(x.e))
			return value{}
		}
		return scalar(x.e[int(k)])
	case *Vector:
		if len(n.Elems) == 0 {
			c.errorf(ErrDimension, n.Pos, "empty vector")
			return value{}
		}
		out := value{vec: true}
		for _, el := range n.Elems {
			v := mc.eval(el)
			if v.bad() {
				return value{}
			}
			if len(out.e)+len(v.e) > maxSize {
				c.errorf(ErrInvalid, n.Pos, "vector too long")
				return value{}
			}
			out.e = append(out.e, v.e...)
		}
		return out
	}
	panic(fmt.Sprintf("dsl: unexpected AST node %T", n))
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// elementwise applies op to args, broadcasting scalars against vectors.
func (mc *modelChecker) elementwise(pos lexer.Position, name string, op Op, args []value) value {
	n, vec := 1, false
	for _, a := range args {
		if !a.vec {
			continue
		}
		if vec && len(a.e) != n {
			mc.c.errorf(ErrDimension, pos, "dimension mismatch in %s: %d components against %d", name, n, len(a.e))
			return value{}
		}
		n, vec = len(a.e), true
	}
	out := value{vec: vec, e: make([]*Expr, n)}
	xs := make([]*Expr, len(args))
	for i := range n {
		for j, a := range args {
			if a.vec {
				xs[j] = a.e[i]
			} else {
				xs[j] = a.e[0]
			}
		}
		out.e[i] = mc.b.Apply(op, xs...)
	}
	if mc.overBudget(pos, 0) {
		return value{}
	}
	return out
}

// net checks a net declaration and returns its outputs.
func (mc *modelChecker) net(it *NetItem) value {
	c := mc.c
	if it.Kind != "mlp" {
		c.errorf(ErrInvalid, it.Pos, "unknown network kind %s (want mlp)", it.Kind)
		return value{}
	}
	n := &Net{Name: it.Name, Pos: it.Pos, Kind: it.Kind, Act: "tanh", Out: -1}
	if len(it.Inputs) == 0 {
		c.errorf(ErrArgCount, it.Pos, "net %s: mlp needs at least one input", it.Name)
		return value{}
	}
	for _, in := range it.Inputs {
		v := mc.eval(in)
		if v.bad() {
			return value{}
		}
		n.Inputs = append(n.Inputs, v.e...)
	}
	if len(n.Inputs) > maxWidth {
		c.errorf(ErrInvalid, it.Pos, "net %s has too many inputs", it.Name)
		return value{}
	}
	seen := map[string]lexer.Position{}
	ok := true
	for _, o := range it.Options {
		if p, dup := seen[o.Name]; dup {
			c.errorf(ErrDuplicate, o.Pos, "option %s is already set at %s", o.Name, short(p))
			ok = false
			continue
		}
		seen[o.Name] = o.Pos
		switch o.Name {
		case "act":
			id, isID := o.Value.(*Ident)
			if !isID {
				c.errorf(ErrInvalid, o.Value.Position(), "act must be an activation name such as tanh")
				ok = false
				continue
			}
			if _, err := nn.ParseActivation(id.Name); err != nil {
				c.errorf(ErrInvalid, o.Value.Position(), "unknown activation %s", id.Name)
				ok = false
				continue
			}
			n.Act = id.Name
		case "hidden":
			ws, good := mc.intList(o.Value)
			if !good {
				ok = false
				continue
			}
			if len(ws) > maxLayers {
				c.errorf(ErrInvalid, o.Value.Position(), "too many hidden layers (%d > %d)", len(ws), maxLayers)
				ok = false
				continue
			}
			n.Hidden = ws
		case "out":
			ws, good := mc.intList(o.Value)
			if !good {
				ok = false
				continue
			}
			if len(ws) != 1 {
				c.errorf(ErrInvalid, o.Value.Position(), "out must be one positive integer")
				ok = false
				continue
			}
			n.Out = ws[0]
		default:
			c.errorf(ErrInvalid, o.Pos, "unknown option %s for mlp (want hidden, act, out)", o.Name)
			ok = false
		}
	}
	if !ok {
		return value{}
	}
	if n.Out < 0 {
		c.errorf(ErrInvalid, it.Pos, "net %s: missing option out = <number of outputs>", it.Name)
		return value{}
	}
	sizes := n.Sizes()
	for i := 1; i < len(sizes); i++ {
		n.NumParams += sizes[i-1]*sizes[i] + sizes[i]
	}
	if n.NumParams > maxNetSize {
		c.errorf(ErrInvalid, it.Pos, "net %s is too large (%d parameters, at most %d)", it.Name, n.NumParams, maxNetSize)
		return value{}
	}
	idx := len(mc.m.Nets)
	mc.m.Nets = append(mc.m.Nets, n)
	out := value{vec: true}
	for k := 0; k < n.Out; k++ {
		out.e = append(out.e, mc.b.Net(idx, k))
	}
	n.Outputs = out.e
	return out
}

// intList evaluates a constant positive integer or vector of them.
func (mc *modelChecker) intList(n Node) ([]int, bool) {
	v := mc.eval(n)
	if v.bad() {
		return nil, false
	}
	out := make([]int, len(v.e))
	for i, e := range v.e {
		if e.Op != OpConst || e.Value != math.Trunc(e.Value) || e.Value < 1 || e.Value > maxWidth {
			mc.c.errorf(ErrInvalid, n.Position(), "want positive integers (at most %d)", maxWidth)
			return nil, false
		}
		out[i] = int(e.Value)
	}
	return out, true
}

// equation assigns the right-hand side of one equation.
func (mc *modelChecker) equation(eq *EquationItem, eqPos []lexer.Position) {
	c, m := mc.c, mc.m
	done := false
	defer func() {
		if done {
			return
		}
		for _, name := range eq.Names {
			for _, n := range []string{name, name + "'"} {
				if s := mc.syms[n]; s != nil && s.state != nil {
					for i := 0; i < s.state.Size; i++ {
						mc.tried[s.state.Offset+i] = true
					}
				}
			}
		}
	}()
	if eq.Order == 0 {
		c.errorf(ErrInvalid, eq.Pos, "equation for %s needs a derivative: write %s' = …", eq.Names[0], eq.Names[0])
		return
	}
	if eq.Order > 2 {
		c.errorf(ErrInvalid, eq.Pos, "derivatives of order %d are not supported: declare the lower derivatives as states", eq.Order)
		return
	}
	var targets []int
	var names []string
	for _, name := range eq.Names {
		s := mc.syms[name]
		if s == nil {
			c.errorf(ErrUndefined, eq.Pos, "equation for undefined state %s", name)
			return
		}
		if s.kind != symState {
			c.errorf(ErrInvalid, eq.Pos, "equation for %s, which is a %s, not a state", name, symKindNames[s.kind])
			return
		}
		st := s.state
		if st == nil {
			return
		}
		if st.Kind == StateCoord || st.Kind == StateMomentum {
			c.errorf(ErrEquation, eq.Pos, "%s is a canonical %s: its equation comes from the hamiltonian", name, map[StateKind]string{StateCoord: "coordinate", StateMomentum: "momentum"}[st.Kind])
			return
		}
		if eq.Order == 2 {
			vs := mc.syms[name+"'"]
			if vs == nil || vs.state == nil || vs.state.Kind != StateVelocity {
				c.errorf(ErrInvalid, eq.Pos, "second-order state %s has no initial velocity: declare state %s' = …", name, name)
				return
			}
			st = vs.state
		}
		for i := 0; i < st.Size; i++ {
			targets = append(targets, st.Offset+i)
		}
		names = append(names, st.Name)
	}
	v := mc.eval(eq.Value)
	if v.bad() {
		return
	}
	if len(v.e) != len(targets) && !(len(v.e) == 1 && !v.vec) {
		c.errorf(ErrDimension, eq.Value.Position(), "equation for %s has %d component%s but the right-hand side has %d",
			strings.Join(names, ", "), len(targets), plural(len(targets)), len(v.e))
		return
	}
	for _, ti := range targets {
		if m.Eqs[ti] != nil {
			c.errorf(ErrEquation, eq.Pos, "second equation for %s (already defined at %s)", mc.componentName(ti), short(eqPos[ti]))
			return
		}
	}
	for i, ti := range targets {
		e := v.e[0]
		if len(v.e) > 1 || v.vec {
			e = v.e[i]
		}
		m.Eqs[ti] = e
		eqPos[ti] = eq.Pos
	}
	done = true
}

func (mc *modelChecker) componentName(i int) string {
	for _, st := range mc.m.States {
		if i >= st.Offset && i < st.Offset+st.Size {
			if st.Vector {
				return fmt.Sprintf("%s[%d]", st.Name, i-st.Offset)
			}
			return st.Name
		}
	}
	return "?"
}

// noise checks one `noise x = g` line and hands each component of x's
// noise to assign (flat state index, expression), which may reject it
// (after reporting an error) by returning false.
func (mc *modelChecker) noise(d *Decl, nPos []lexer.Position, assign func(row int, e *Expr) bool) {
	c := mc.c
	s := mc.syms[d.Name]
	if s == nil {
		c.errorf(ErrUndefined, d.Pos, "noise on undefined state %s", d.Name)
		return
	}
	if s.kind != symState {
		c.errorf(ErrInvalid, d.Pos, "noise on %s, which is a %s: noise applies to states", d.Name, symKindNames[s.kind])
		return
	}
	st := s.state
	if st == nil {
		return
	}
	if d.Size != "" {
		c.errorf(ErrInvalid, d.Pos, "noise %s takes the size of the state; remove [%s]", d.Name, d.Size)
		return
	}
	if d.Value == nil {
		c.errorf(ErrInvalid, d.Pos, "noise %s needs a value: noise %s = σ", d.Name, d.Name)
		return
	}
	v := mc.eval(d.Value)
	if v.bad() {
		return
	}
	if len(v.e) != st.Size && !(len(v.e) == 1 && !v.vec) {
		c.errorf(ErrDimension, d.Value.Position(), "noise for %s has %d component%s but the state has %d", d.Name, len(v.e), plural(len(v.e)), st.Size)
		return
	}
	if nPos[st.Offset].Line != 0 {
		c.errorf(ErrDuplicate, d.Pos, "second noise for %s (the first is at %s)", d.Name, short(nPos[st.Offset]))
		return
	}
	for i := 0; i < st.Size; i++ {
		e := v.e[0]
		if len(v.e) > 1 || v.vec {
			e = v.e[i]
		}
		nPos[st.Offset+i] = d.Pos
		if !assign(st.Offset+i, e) {
			return
		}
	}
}

func (mc *modelChecker) hamiltonian(ham *HamiltonianItem, eqPos []lexer.Position) {
	c, m, b := mc.c, mc.m, mc.b
	var coords, moms []int
	var firstCanon *State
	for _, st := range m.States {
		for i := 0; i < st.Size; i++ {
			switch st.Kind {
			case StateCoord:
				coords = append(coords, st.Offset+i)
			case StateMomentum:
				moms = append(moms, st.Offset+i)
			}
		}
		if (st.Kind == StateCoord || st.Kind == StateMomentum) && firstCanon == nil {
			firstCanon = st
		}
	}
	if ham == nil {
		if firstCanon == nil {
			return // the declarations failed and were reported
		}
		c.errorf(ErrInvalid, firstCanon.Pos, "%s is a canonical variable but the model has no hamiltonian", firstCanon.Name)
		return
	}
	if len(coords) == 0 || len(moms) == 0 {
		c.errorf(ErrInvalid, ham.Pos, "hamiltonian without coordinates and momenta: declare coord q = … and momentum p = …")
		return
	}
	if len(coords) != len(moms) {
		c.errorf(ErrDimension, ham.Pos, "hamiltonian: %d coordinate components but %d momentum components", len(coords), len(moms))
		return
	}
	v := mc.eval(ham.Value)
	if v.bad() {
		return
	}
	if len(v.e) != 1 {
		c.errorf(ErrDimension, ham.Value.Position(), "the hamiltonian must be a scalar, got %d components", len(v.e))
		return
	}
	H := v.e[0]
	h := &Hamiltonian{Pos: ham.Pos, H: H, Coords: coords, Momenta: moms}
	isCoord := map[int]bool{}
	isMom := map[int]bool{}
	for _, q := range coords {
		isCoord[q] = true
	}
	for _, p := range moms {
		isMom[p] = true
	}
	h.Separable = len(coords)+len(moms) == m.Dim
	// Differentiating H costs a pass over it per canonical pair.
	size := 0
	Walk([]*Expr{H}, func(*Expr) { size++ })
	if len(coords)*size > maxHamWork {
		c.errorf(ErrInvalid, ham.Pos, "hamiltonian too large to differentiate (%d nodes × %d coordinates)", size, len(coords))
		return
	}
	// A net in H differentiates into its input Jacobian (OpNetJac), whose
	// value depends on everything the net's inputs depend on.
	for i := range coords {
		dq := b.DiffAll([]*Expr{H}, b.State(coords[i]), m.Nets)[0]
		dp := b.DiffAll([]*Expr{H}, b.State(moms[i]), m.Nets)[0]
		h.DHDq = append(h.DHDq, dq)
		h.DHDp = append(h.DHDp, dp)
		if dependsThroughNets(dq, m.Nets, func(l *Expr) bool { return l.Op == OpState && !isCoord[l.Index] }) ||
			dependsThroughNets(dp, m.Nets, func(l *Expr) bool { return (l.Op == OpState && !isMom[l.Index]) || l.Op == OpTime }) {
			h.Separable = false
		}
		m.Eqs[coords[i]] = dp
		m.Eqs[moms[i]] = b.Neg(dq)
		eqPos[coords[i]] = ham.Pos
		eqPos[moms[i]] = ham.Pos
		if mc.overBudget(ham.Pos, 0) {
			return
		}
	}
	m.Hamiltonian = h
}

// dependsThroughNets reports whether e depends on a leaf for which pred is
// true, looking through neural terms: a net output or derivative depends
// on whatever the net's inputs depend on.
func dependsThroughNets(e *Expr, nets []*Net, pred func(leaf *Expr) bool) bool {
	found := false
	seenNet := map[int]bool{}
	var walk func(es []*Expr)
	walk = func(es []*Expr) {
		Walk(es, func(n *Expr) {
			if found || !n.Op.IsLeaf() {
				return
			}
			switch n.Op {
			case OpNet, OpNetJac, OpNetHess:
				if n.Index < len(nets) && !seenNet[n.Index] {
					seenNet[n.Index] = true
					walk(nets[n.Index].Inputs)
				}
			default:
				if pred(n) {
					found = true
				}
			}
		})
	}
	walk([]*Expr{e})
	return found
}
