package dsl

import (
	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"
)

// The participle grammar. These structs are only the parse tree; Parse
// converts them to the AST in ast.go (one node per construct, no
// precedence levels).

var nodeLexer = lexer.MustSimple([]lexer.SimpleRule{
	{Name: "Comment", Pattern: `//[^\n]*`},
	{Name: "EOL", Pattern: `\n`},
	{Name: "Space", Pattern: `[ \t\r\f]+`},
	{Name: "Number", Pattern: `(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?`},
	{Name: "Ident", Pattern: `[A-Za-z_][A-Za-z0-9_]*'*`},
	{Name: "Punct", Pattern: `<=|>=|==|!=|[-+*/^()\[\]{},;=<>']`},
})

type gFile struct {
	Models []*gModel `parser:"EOL* ( @@ EOL* )*"`
}

type gModel struct {
	Pos    lexer.Position
	EndPos lexer.Position
	Name   string   `parser:"\"model\" @Ident EOL* \"{\" EOL*"`
	Items  []*gItem `parser:"@@* \"}\""`
}

type gItem struct {
	Pos    lexer.Position
	Tokens []lexer.Token
	Kind   string     `parser:"(  @( \"param\" | \"const\" | \"state\" | \"let\" | \"output\" | \"augment\" | \"coord\" | \"momentum\" | \"noise\" | \"wiener\" )"`
	Decls  []*gDecl   `parser:"@@ ( \",\" EOL* @@ )*"`
	Net    *gNet      `parser:"| \"net\" @@"`
	Ham    *gExpr     `parser:"| \"hamiltonian\" \"=\" EOL* @@"`
	Eq     *gEquation `parser:"| @@ ) EOL*"`
}

type gDecl struct {
	Pos   lexer.Position
	Name  string `parser:"@Ident"`
	Size  string `parser:"( \"[\" @Number \"]\" )?"`
	Value *gExpr `parser:"( \"=\" EOL* @@ )?"`
}

type gNet struct {
	Pos     lexer.Position
	Name    string        `parser:"@Ident \"=\""`
	Kind    string        `parser:"@Ident \"(\" EOL*"`
	Inputs  []*gExpr      `parser:"( @@ ( \",\" EOL* @@ )* )? EOL*"`
	Options []*gNetOption `parser:"( \";\" EOL* ( @@ ( \",\" EOL* @@ )* )? )? EOL* \")\""`
}

type gNetOption struct {
	Pos   lexer.Position
	Name  string `parser:"@Ident \"=\" EOL*"`
	Value *gExpr `parser:"@@"`
}

type gEquation struct {
	Pos    lexer.Position
	Name   string   `parser:"(  @Ident"`
	Group  []string `parser:"| \"(\" EOL* @Ident ( \",\" EOL* @Ident )* EOL* \")\""`
	Primes string   `parser:"@\"'\"+ )"`
	Value  *gExpr   `parser:"\"=\" EOL* @@"`
}

type gExpr struct {
	Pos  lexer.Position
	Left *gAdd     `parser:"@@"`
	Cmp  *gCmpTail `parser:"@@?"`
}

type gCmpTail struct {
	Pos   lexer.Position
	Op    string `parser:"@( \"<=\" | \">=\" | \"==\" | \"!=\" | \"<\" | \">\" ) EOL*"`
	Right *gAdd  `parser:"@@"`
}

type gAdd struct {
	Pos  lexer.Position
	Left *gMul       `parser:"@@"`
	Rest []*gAddTail `parser:"@@*"`
}

type gAddTail struct {
	Pos   lexer.Position
	Op    string `parser:"@( \"+\" | \"-\" ) EOL*"`
	Right *gMul  `parser:"@@"`
}

type gMul struct {
	Pos  lexer.Position
	Left *gUnary     `parser:"@@"`
	Rest []*gMulTail `parser:"@@*"`
}

type gMulTail struct {
	Pos   lexer.Position
	Op    string  `parser:"@( \"*\" | \"/\" ) EOL*"`
	Right *gUnary `parser:"@@"`
}

type gUnary struct {
	Pos   lexer.Position
	Neg   *gUnary `parser:"\"-\" @@"`
	Power *gPower `parser:"| @@"`
}

type gPower struct {
	Pos  lexer.Position
	Base *gPostfix `parser:"@@"`
	Exp  *gPowTail `parser:"@@?"`
}

type gPowTail struct {
	Pos lexer.Position
	Exp *gUnary `parser:"\"^\" EOL* @@"`
}

type gPostfix struct {
	Pos     lexer.Position
	Primary *gPrimary `parser:"@@"`
	Index   []*gIndex `parser:"@@*"`
}

type gIndex struct {
	Pos   lexer.Position
	Index *gExpr `parser:"\"[\" EOL* @@ EOL* \"]\""`
}

type gPrimary struct {
	Pos    lexer.Position
	Number *string  `parser:"@Number"`
	Call   *gCall   `parser:"| @@"`
	Ident  *string  `parser:"| @Ident"`
	Paren  *gExpr   `parser:"| \"(\" EOL* @@ EOL* \")\""`
	Vector *gVector `parser:"| @@"`
}

type gCall struct {
	Pos  lexer.Position
	Name string   `parser:"@Ident \"(\" EOL*"`
	Args []*gExpr `parser:"( @@ ( \",\" EOL* @@ )* )? EOL* \")\""`
}

type gVector struct {
	Pos   lexer.Position
	Elems []*gExpr `parser:"\"[\" EOL* ( @@ ( \",\" EOL* @@ )* )? EOL* \"]\""`
}

var (
	fileParser = participle.MustBuild[gFile](
		participle.Lexer(nodeLexer),
		participle.Elide("Comment", "Space"),
		participle.UseLookahead(participle.MaxLookahead),
	)
	exprParser = participle.MustBuild[gExpr](
		participle.Lexer(nodeLexer),
		participle.Elide("Comment", "Space", "EOL"),
		participle.UseLookahead(participle.MaxLookahead),
	)
)

// Grammar returns the grammar of .node files in EBNF.
func Grammar() string { return fileParser.String() }
