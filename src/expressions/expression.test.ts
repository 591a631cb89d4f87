import { describe, expect, it } from 'vitest'
import { ExpressionError, renderString, type TemplateScope } from './index.js'

const scope: TemplateScope = {
  inputs: {
    amount: 5,
    price: 5.5,
    big: 150,
    kind: 'a',
    name: 'Ann',
    items: [1, 2, 3],
    words: ['x', 'y'],
    tags: { red: true, blue: false },
    nothing: null,
    order: { lines: [{ sku: 'A', qty: 2 }] },
    i: 1,
  },
  vars: { total: 0 },
  steps: {
    'my-step': { output: { x: 1, list: [10, 20] }, status: 'completed', error: null },
    approve: { output: { by: 'bob' }, status: 'completed', error: null },
    skipped: { output: null, status: 'skipped', error: null },
  },
  execution: { id: 'e-1', workflow: 'w' },
}

const ev = (expression: string, s: TemplateScope = scope): unknown => renderString(`{{ ${expression} }}`, s)

function evError(expression: string, s: TemplateScope = scope): ExpressionError {
  try {
    ev(expression, s)
  } catch (error) {
    expect(error).toBeInstanceOf(ExpressionError)
    return error as ExpressionError
  }
  throw new Error(`expected ${expression} to fail`)
}

/** Every number anywhere in `value` is a plain JavaScript number. */
function assertPlainNumbers(value: unknown): void {
  expect(typeof value).not.toBe('bigint')
  if (Array.isArray(value)) value.forEach(assertPlainNumbers)
  else if (typeof value === 'object' && value !== null) Object.values(value).forEach(assertPlainNumbers)
}

describe('numbers: integers and decimals mix and arithmetic follows JavaScript', () => {
  it.each([
    ['inputs.amount * 2', 10],
    ['inputs.price * 2', 11],
    ['10 / 4', 2.5],
    ['7 % 4', 3],
    ['-7 % 4', -3],
    ['5.5 % 2', 1.5],
    ['1 + 2', 3],
    ['1 + 2.5', 3.5],
    ['10 - 2.5', 7.5],
    ['2 * 3', 6],
    ['1 / 3', 1 / 3],
    ['0xFF', 255],
    ['1u + 1', 2],
    ['-inputs.amount', -5],
    ['0 * -1', 0],
    ['9007199254740993', 9007199254740992],
    ['2 - 3 * 4', -10],
    ['(2 - 3) * 4', -4],
  ])('%s is %s', (expression, expected) => {
    const value = ev(expression)
    expect(typeof value).toBe('number')
    expect(value).toBe(expected)
  })

  it('results are plain numbers in every nested position', () => {
    const value = ev('{"a": [1, 2 + 3, {"b": size(inputs.items)}], "c": inputs.items.map(x, x * 2), "d": int("4")}')
    expect(value).toStrictEqual({ a: [1, 5, { b: 3 }], c: [2, 4, 6], d: 4 })
    assertPlainNumbers(value)
  })

  it('comparisons between integer and decimal values work', () => {
    expect(ev('inputs.amount > 100')).toBe(false)
    expect(ev('inputs.big > 100')).toBe(true)
    expect(ev('inputs.price > 5')).toBe(true)
    expect(ev('inputs.amount == 5.0')).toBe(true)
    expect(ev('1 < 1.5')).toBe(true)
    expect(ev('2.0 >= 2')).toBe(true)
    expect(ev('3 <= 2.5')).toBe(false)
    expect(ev('size(inputs.items) == 3.0')).toBe(true)
  })

  it('division and remainder by zero are errors, not Infinity or NaN', () => {
    expect(evError('1 / 0').message).toBe('division by zero (in 1 / 0)')
    expect(evError('inputs.amount % 0').message).toBe('division by zero (in inputs.amount % 0)')
    expect(evError('0 / 0').message).toContain('division by zero')
  })

  it('a result too large for a number is an error', () => {
    expect(evError('1e308 * 10').message).toBe('the result is not a finite number (in 1e308 * 10)')
  })

  it('arithmetic on other types is an error naming both sides', () => {
    expect(evError('"a" - 1').message).toBe('"-" needs two numbers, got string "a" and number 1 (in "a" - 1)')
    expect(evError('-"a"').message).toContain('"-" needs a number, got string "a"')
    expect(evError('inputs.nothing * 2').message).toContain('got null and number 2')
  })
})

describe('+ joins text and lists', () => {
  it.each([
    ['"n=" + 3', 'n=3'],
    ['3 + "x"', '3x'],
    ['"a" + true', 'atrue'],
    ['false + "b"', 'falseb'],
    ['"a" + "b"', 'ab'],
    ['"total: " + inputs.price', 'total: 5.5'],
    ['\'single\' + "double"', 'singledouble'],
  ])('%s is %j', (expression, expected) => {
    expect(ev(expression)).toBe(expected)
  })

  it('list + list concatenates, whatever the element types', () => {
    expect(ev('[1, 2] + [3]')).toStrictEqual([1, 2, 3])
    expect(ev('inputs.items + ["a", null]')).toStrictEqual([1, 2, 3, 'a', null])
    expect(ev('[] + []')).toStrictEqual([])
  })

  it('other combinations are errors', () => {
    expect(evError('"a" + null').message).toBe('cannot add string "a" and null (in "a" + null)')
    expect(evError('[1] + 1').message).toContain('cannot add list [1] and number 1')
    expect(evError('{"a": 1} + {"b": 2}').message).toContain('cannot add map')
  })
})

describe('literals', () => {
  it('strings in double or single quotes, with escapes', () => {
    expect(ev('"a\\tb"')).toBe('a\tb')
    expect(ev("'it\\'s'")).toBe("it's")
    expect(ev('"\\u00e9"')).toBe('é')
    expect(ev("'''multi\nline'''")).toBe('multi\nline')
    expect(ev('r"\\d+"')).toBe('\\d+')
  })
  it('true, false and null', () => {
    expect(ev('true')).toBe(true)
    expect(ev('false')).toBe(false)
    expect(ev('null')).toBe(null)
  })
  it('lists and maps may mix value types', () => {
    expect(ev('[1, "a", true, null, [2], {"k": 3}]')).toStrictEqual([1, 'a', true, null, [2], { k: 3 }])
    expect(ev('{"a": 1, "b": "x", "c": [true], "d": null}')).toStrictEqual({ a: 1, b: 'x', c: [true], d: null })
    expect(ev('{}')).toStrictEqual({})
    expect(ev('{"k" + "ey": inputs.amount}')).toStrictEqual({ key: 5 })
  })
  it('map keys must be strings and appear once', () => {
    expect(evError('{inputs.amount: 1}').message).toContain('map keys must be strings, got number 5')
    expect(evError('{"a": 1, "a": 2}').message).toContain('the map has the key "a" twice')
  })
})

describe('member access and indexing', () => {
  it.each([
    ['inputs.name', 'Ann'],
    ['inputs["name"]', 'Ann'],
    ["inputs['name']", 'Ann'],
    ['inputs.items[0]', 1],
    ['inputs.items[2]', 3],
    ['inputs.items[inputs.i]', 2],
    ['inputs.order.lines[0].sku', 'A'],
    ['steps["my-step"].output', { x: 1, list: [10, 20] }],
    ['steps["my-step"].output.list[1]', 20],
    ['steps.approve.output.by', 'bob'],
    ['[10, 20, 30][1]', 20],
    ['{"a": {"b": 2}}["a"].b', 2],
    ['execution.workflow', 'w'],
  ])('%s', (expression, expected) => {
    expect(ev(expression)).toStrictEqual(expected)
  })

  it('a missing field is an error that names the path', () => {
    const error = evError('inputs.nope')
    expect(error.message).toBe('no field "nope" in inputs (path inputs.nope)')
    expect(error.path).toBe('inputs.nope')
  })

  it('a missing field deeper down names the path as written', () => {
    expect(evError('steps["my-step"].output.y').path).toBe('steps["my-step"].output.y')
    expect(evError('steps["my-step"].output.y').message).toBe(
      'no field "y" in steps["my-step"].output (path steps["my-step"].output.y)',
    )
    expect(evError('steps["other-step"].output').message).toBe(
      'no field "other-step" in steps (path steps["other-step"])',
    )
  })

  it('reading a field of null is an error naming the path', () => {
    const error = evError('steps.skipped.output.by')
    expect(error.message).toBe('steps.skipped.output is null, so it has no field "by" (path steps.skipped.output.by)')
    expect(error.path).toBe('steps.skipped.output.by')
  })

  it('null values compare with ==', () => {
    expect(ev('steps.skipped.output == null')).toBe(true)
    expect(ev('steps.approve.output == null')).toBe(false)
    expect(ev('steps.skipped.output != null')).toBe(false)
  })

  it('a list index out of range, negative or not whole is an error', () => {
    expect(evError('inputs.items[3]').message).toBe(
      'no index 3 in inputs.items, which has 3 elements (path inputs.items[3])',
    )
    expect(evError('inputs.items[-1]').message).toContain('no index -1')
    expect(evError('inputs.items[1.5]').message).toContain('a list index must be a whole number, got number 1.5')
    expect(evError('inputs.items["0"]').message).toContain('inputs.items is a list, so it has no field "0"')
  })

  it('fields of lists, strings and numbers are errors', () => {
    expect(evError('inputs.items.first').message).toBe(
      'inputs.items is a list, so it has no field "first" (path inputs.items.first)',
    )
    expect(evError('inputs.name.length').message).toContain('inputs.name is a string, so it has no field "length"')
    expect(evError('inputs.name[0]').message).toContain('inputs.name is a string, so it has no element number 0')
    expect(evError('inputs.tags[1]').message).toContain('map keys are strings, so number 1 cannot be a key')
  })

  it('has() checks a field without failing', () => {
    expect(ev('has(inputs.name)')).toBe(true)
    expect(ev('has(inputs.nope)')).toBe(false)
    expect(ev('has(steps.skipped.output.by)')).toBe(false)
    expect(ev('has(steps.approve.output.by) ? steps.approve.output.by : "nobody"')).toBe('bob')
    expect(evError('has(inputs.nope.deeper)').path).toBe('inputs.nope')
    expect(evError('has(inputs.items.x)').message).toContain('has() needs a map, but inputs.items is list')
  })
})

describe('roots that are not in scope', () => {
  it.each([
    ['result', '"result" is not available here (it exists only inside publish)'],
    ['item', '"item" is not available here (it exists only inside a for_each step)'],
    ['index', '"index" is not available here (it exists only inside a for_each step)'],
    ['attempt', '"attempt" is not available here (it exists only while a step runs)'],
  ])('%s', (root, message) => {
    const error = evError(`${root} == 1`)
    expect(error.message).toBe(message)
    expect(error.path).toBe(root)
  })

  it('a root that is present, even null, can be read', () => {
    expect(
      ev('[item, index, attempt, result]', { item: null, index: 0, attempt: 1, result: { ok: true } }),
    ).toStrictEqual([null, 0, 1, { ok: true }])
  })

  it('templates over inputs alone cannot see steps', () => {
    expect(evError('steps.a', { inputs: {} }).message).toBe('"steps" is not available here')
  })
})

describe('comparison and logic', () => {
  it.each([
    ['1 == 1', true],
    ['1 != 1', false],
    ['"a" == "a"', true],
    ['"a" < "b"', true],
    ['"b" <= "a"', false],
    ['1 == "1"', false],
    ['null == 0', false],
    ['[1, [2]] == [1, [2]]', true],
    ['{"a": 1, "b": 2} == {"b": 2, "a": 1}', true],
    ['{"a": 1} == {"a": 1, "b": 2}', false],
    ['inputs.order == {"lines": [{"sku": "A", "qty": 2}]}', true],
    ['true && false', false],
    ['true || false', true],
    ['!true', false],
    ['!(1 > 2)', true],
    ['inputs.amount > 1 && inputs.kind == "a"', true],
    ['false && inputs.nope', false],
    ['true || inputs.nope', true],
  ])('%s is %s', (expression, expected) => {
    expect(ev(expression)).toBe(expected)
  })

  it('&& and || need booleans', () => {
    expect(evError('1 && true').message).toBe('"&&" needs booleans, got number 1 (in 1 && true)')
    expect(evError('false || "x"').message).toContain('"||" needs booleans, got string "x"')
    expect(evError('!1').message).toContain('"!" needs a boolean, got number 1')
  })

  it('ordering needs two numbers or two strings', () => {
    expect(evError('1 < "2"').message).toBe('cannot compare number 1 with string "2" using "<" (in 1 < "2")')
    expect(evError('null > 1').message).toContain('cannot compare null with number 1')
  })
})

describe('the conditional c ? a : b', () => {
  it('picks a branch; the branches may have different types', () => {
    expect(ev('inputs.amount > 1 ? "big" : 0')).toBe('big')
    expect(ev('inputs.amount > 10 ? "big" : 0')).toBe(0)
    expect(ev('true ? [1] : {"a": 1}')).toStrictEqual([1])
  })
  it('evaluates only the branch it picks', () => {
    expect(ev('false ? inputs.nope : 1')).toBe(1)
  })
  it('needs a boolean condition', () => {
    expect(evError('1 ? 2 : 3').message).toBe('the condition of "?:" must be a boolean, got number 1 (in 1 ? 2 : 3)')
  })
})

describe('membership with in', () => {
  it.each([
    ['2 in inputs.items', true],
    ['4 in inputs.items', false],
    ['2.0 in [1, 2]', true],
    ['[2] in [[1], [2]]', true],
    ['"red" in inputs.tags', true],
    ['"green" in inputs.tags', false],
    ['"nn" in "Anna"', true],
    ['null in [null]', true],
  ])('%s is %s', (expression, expected) => {
    expect(ev(expression)).toBe(expected)
  })
  it('needs a list, map or string on the right', () => {
    expect(evError('1 in 2').message).toContain('"in" needs a list, a map or a string on its right, got number 2')
    expect(evError('1 in inputs.tags').message).toContain('map keys are strings')
  })
})

describe('functions', () => {
  it.each([
    ['size(inputs.items)', 3],
    ['size(inputs.name)', 3],
    ['size(inputs.tags)', 2],
    ['size("héllo😀")', 6],
    ['size([])', 0],
    ['inputs.items.size()', 3],
    ['string(3)', '3'],
    ['string(2.5)', '2.5'],
    ['string(null)', ''],
    ['string([1, "a"])', '[1,"a"]'],
    ['int("42")', 42],
    ['int(3.9)', 3],
    ['int(-3.9)', -3],
    ['double("2.5")', 2.5],
    ['double(2)', 2],
    ['bool("true")', true],
    ['dyn(inputs.amount)', 5],
    ['"Hello".contains("ell")', true],
    ['"Hello".startsWith("He")', true],
    ['"Hello".endsWith("x")', false],
    ['"Hello".lowerAscii()', 'hello'],
    ['"Hello".upperAscii()', 'HELLO'],
    ['"  a  ".trim()', 'a'],
    ['"a,b,c".split(",")', ['a', 'b', 'c']],
    ['"a,b,c".split(",", 2)', ['a', 'b,c']],
    ['["a", 1, true].join("-")', 'a-1-true'],
    ['inputs.words.join()', 'xy'],
    ['"hello".indexOf("l")', 2],
    ['"hello".lastIndexOf("l")', 3],
    ['"hello".indexOf("z")', -1],
    ['"héllo😀x".indexOf("x")', 6],
    ['"hello".substring(1)', 'ello'],
    ['"hello".substring(1, 3)', 'el'],
    ['"😀ab".substring(1, 2)', 'a'],
    ['"a-b-c".replace("-", "+")', 'a+b+c'],
  ])('%s', (expression, expected) => {
    expect(ev(expression)).toStrictEqual(expected)
  })

  it('wrong argument types are errors', () => {
    expect(evError('size(1)').message).toBe('size() needs a string, a list or a map, got number 1 (in size(1))')
    expect(evError('int("4x")').message).toContain('int() needs a number or a string of digits')
    expect(evError('"abc".substring(2, 9)').message).toContain('substring(2, 9) is outside the string (size 3)')
    expect(evError('[[1]].join()').message).toContain('join() needs a list of strings, numbers or booleans')
    expect(evError('inputs.amount.contains("a")').message).toContain('contains() needs a string to work on')
  })
})

describe('macros', () => {
  it.each([
    ['inputs.items.all(x, x > 0)', true],
    ['inputs.items.all(x, x > 1)', false],
    ['inputs.items.exists(x, x > 2)', true],
    ['inputs.items.exists_one(x, x > 1)', false],
    ['inputs.items.exists_one(x, x > 2)', true],
    ['inputs.items.map(x, x * 2)', [2, 4, 6]],
    ['inputs.items.map(x, x > 1, x * 10)', [20, 30]],
    ['inputs.items.filter(x, x != 2)', [1, 3]],
    ['inputs.order.lines.map(l, l.sku + "x" + l.qty)', ['Ax2']],
    ['inputs.tags.filter(k, inputs.tags[k])', ['red']],
    [
      'inputs.items.map(x, inputs.items.map(y, x * y))',
      [
        [1, 2, 3],
        [2, 4, 6],
        [3, 6, 9],
      ],
    ],
    ['[].all(x, false)', true],
    ['inputs.items.map(item, item + 1)', [2, 3, 4]],
  ])('%s', (expression, expected) => {
    expect(ev(expression)).toStrictEqual(expected)
  })

  it('a macro condition must be a boolean', () => {
    expect(evError('inputs.items.all(x, x)').message).toContain(
      'the condition of all() must give a boolean, got number 1',
    )
  })

  it('a macro variable does not leak out of the macro', () => {
    expect(evError('inputs.items.map(x, x) + [x]').message).toContain('unknown variable "x"')
  })
})
