"""A job's `if` condition in `.kizuna/pipeline.yml`: tokenizer, parser and evaluator.

Grammar (a hand-written parser; nothing is ever evaluated as code)::

    expr       := and ( "||" and )*
    and        := unary ( "&&" unary )*
    unary      := "!" unary | primary
    primary    := "(" expr ")" | "true" | "false" | operand ( "==" | "!=" ) operand
    operand    := "ref" | "event" | "variables.NAME" | "vars.NAME" | 'string' | "string"

`ref` is the pipeline's ref as given (`main`, `v1.0`, or a sha), `event` is `api`, `push` or
`pull_request`; an unset variable compares as the empty string.
"""

from __future__ import annotations

import re

from kizuna import bounded


class ConditionError(ValueError):
    pass


_TOKEN_RE = re.compile(
    r"""\s*(?:
        (?P<op>==|!=|&&|\|\||!|\(|\))
      | (?P<str>'[^']*'|"[^"]*")
      | (?P<name>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)?)
    )""",
    re.VERBOSE,
)
MAX_CONDITION_LENGTH = 1000


def _tokenize(text: str) -> list[tuple[str, str]]:
    if len(text) > MAX_CONDITION_LENGTH:
        raise ConditionError(f"longer than {MAX_CONDITION_LENGTH} characters")
    tokens, pos = [], 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        match = _TOKEN_RE.match(text, pos)
        if not match or match.end() == pos:
            raise ConditionError(f"unexpected character {text[pos:].lstrip()[:1]!r} at position {pos + len(text[pos:]) - len(text[pos:].lstrip())}")
        kind = match.lastgroup
        tokens.append((kind, match.group(kind)))
        pos = match.end()
    return tokens


class _Parser:
    def __init__(self, text: str):
        self.tokens = _tokenize(text)
        self.i = 0

    def peek(self):
        return self.tokens[self.i] if self.i < len(self.tokens) else (None, None)

    def take(self):
        token = self.peek()
        self.i += 1
        return token

    def parse(self):
        if not self.tokens:
            raise ConditionError("is empty")
        node = self.expr(0)
        if self.i != len(self.tokens):
            raise ConditionError(f"unexpected {bounded.describe(self.peek()[1])}")
        return node

    def expr(self, depth):
        if depth > 50:
            raise ConditionError("nested too deeply")
        return self.chain("||", "or", self.conj, depth)

    def conj(self, depth):
        return self.chain("&&", "and", self.unary, depth)

    def chain(self, op, tag, operand, depth):
        """`operand (op operand)*`, grouped from the left: a || b || c is (a || b) || c."""
        node = operand(depth)
        while self.peek() == ("op", op):
            self.take()
            node = (tag, node, operand(depth))
        return node

    def unary(self, depth):
        if self.peek() == ("op", "!"):
            self.take()
            if depth > 50:
                raise ConditionError("nested too deeply")
            return ("not", self.unary(depth + 1))
        return self.primary(depth)

    def primary(self, depth):
        kind, value = self.peek()
        if (kind, value) == ("op", "("):
            self.take()
            node = self.expr(depth + 1)
            if self.take() != ("op", ")"):
                raise ConditionError("missing ')'")
            return node
        if kind == "name" and value in ("true", "false"):
            self.take()
            return ("const", value == "true")
        left = self.operand()
        op_kind, op = self.take()
        if op_kind != "op" or op not in ("==", "!="):
            raise ConditionError(f"expected '==' or '!=' after {bounded.describe(left[1])}" if op is None else f"expected '==' or '!=', got {bounded.describe(op)}")
        right = self.operand()
        return (op, left, right)

    def operand(self):
        kind, value = self.take()
        if kind == "str":
            return ("lit", value[1:-1])
        if kind == "name":
            if value in ("ref", "event"):
                return ("ctx", value)
            head, _, tail = value.partition(".")
            if head in ("variables", "vars") and tail:
                return ("var", tail)
            raise ConditionError(f"unknown name {bounded.describe(value)} (use ref, event, variables.NAME or a quoted string)")
        raise ConditionError("expected a value" if value is None else f"expected a value, got {bounded.describe(value)}")


def parse_condition(text: str):
    return _Parser(text).parse()


def evaluate(text: str, *, ref: str, event: str, variables: dict[str, str]) -> bool:
    """True when the condition holds (an empty condition always does)."""
    if not text or not text.strip():
        return True
    context = {"ref": ref, "event": event}

    def value(node):
        kind, arg = node
        if kind == "lit":
            return arg
        if kind == "ctx":
            return context[arg]
        return variables.get(arg, "")

    def run(node) -> bool:
        op = node[0]
        if op == "const":
            return node[1]
        if op == "not":
            return not run(node[1])
        if op == "and":
            return run(node[1]) and run(node[2])
        if op == "or":
            return run(node[1]) or run(node[2])
        equal = value(node[1]) == value(node[2])
        return equal if op == "==" else not equal

    return run(parse_condition(text))
