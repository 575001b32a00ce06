package dsl

import "github.com/alecthomas/participle/v2/lexer"

// File is the AST of a .node file.
type File struct {
	Name     string
	Models   []*ModelDecl
	Comments []*Comment
	// lines holds the source lines (for error excerpts and for the printer,
	// which keeps single blank lines between items).
	lines []string
}

// Comment is one `//` comment; Text includes the slashes.
type Comment struct {
	Pos  lexer.Position
	Text string
}

// ModelDecl is one `model Name { … }` block of the AST. (Model is the checked
// IR.)
type ModelDecl struct {
	Pos, EndPos lexer.Position
	Name        string
	Items       []Item
}

// Item is one line of a model body: *DeclItem, *NetItem, *HamiltonianItem
// or *EquationItem.
type Item interface {
	Position() lexer.Position
	End() lexer.Position
}

// DeclItem is a declaration list: `param a = 1, b = 2`. Kind is one of
// param, const, state, let, output, augment, coord, momentum, noise,
// wiener.
type DeclItem struct {
	Pos, EndPos lexer.Position
	Kind        string
	Decls       []*Decl
}

// Decl is `name`, `name[size]` or either followed by `= value`.
type Decl struct {
	Pos   lexer.Position
	Name  string
	Size  string // the size literal, "" when absent
	Value Node   // nil when absent
}

// NetItem is `net Name = kind(inputs…; option = value, …)`.
type NetItem struct {
	Pos, EndPos lexer.Position
	Name        string
	Kind        string
	Inputs      []Node
	Options     []*NetOption
}

// NetOption is `name = value` inside a net declaration.
type NetOption struct {
	Pos   lexer.Position
	Name  string
	Value Node
}

// HamiltonianItem is `hamiltonian = H`.
type HamiltonianItem struct {
	Pos, EndPos lexer.Position
	Value       Node
}

// EquationItem is `x' = f`, `x” = a` or `(x, a)' = f`: Names are the
// states (without the primes of the derivative), Order the number of
// primes, Group whether the parenthesised form was used.
type EquationItem struct {
	Pos, EndPos lexer.Position
	Names       []string
	Group       bool
	Order       int
	Value       Node
}

func (d *DeclItem) Position() lexer.Position        { return d.Pos }
func (d *DeclItem) End() lexer.Position             { return d.EndPos }
func (n *NetItem) Position() lexer.Position         { return n.Pos }
func (n *NetItem) End() lexer.Position              { return n.EndPos }
func (h *HamiltonianItem) Position() lexer.Position { return h.Pos }
func (h *HamiltonianItem) End() lexer.Position      { return h.EndPos }
func (e *EquationItem) Position() lexer.Position    { return e.Pos }
func (e *EquationItem) End() lexer.Position         { return e.EndPos }

// Node is an expression of the AST: *Number, *Ident, *Unary, *Binary,
// *Call, *Index or *Vector.
type Node interface {
	Position() lexer.Position
}

// Number is a numeric literal; Text is the literal as written.
type Number struct {
	Pos   lexer.Position
	Text  string
	Value float64
}

// Ident is a name (possibly with primes: theta').
type Ident struct {
	Pos  lexer.Position
	Name string
}

// Unary is −X.
type Unary struct {
	Pos lexer.Position
	Op  string
	X   Node
}

// Binary is X Op Y with Op one of + - * / ^ < <= > >= == !=; Pos is the
// operator's.
type Binary struct {
	Pos  lexer.Position
	Op   string
	X, Y Node
}

// Call is Fun(Args…).
type Call struct {
	Pos  lexer.Position
	Fun  string
	Args []Node
}

// Index is X[Index] (zero-based).
type Index struct {
	Pos   lexer.Position
	X     Node
	Index Node
}

// Vector is [Elems…].
type Vector struct {
	Pos   lexer.Position
	Elems []Node
}

func (n *Number) Position() lexer.Position { return n.Pos }
func (n *Ident) Position() lexer.Position  { return n.Pos }
func (n *Unary) Position() lexer.Position  { return n.Pos }
func (n *Binary) Position() lexer.Position { return n.Pos }
func (n *Call) Position() lexer.Position   { return n.Pos }
func (n *Index) Position() lexer.Position  { return n.Pos }
func (n *Vector) Position() lexer.Position { return n.Pos }
