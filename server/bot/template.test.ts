import { describe, expect, it } from 'vitest'
import { joinLanguages, localize, pickLanguage, renderTemplate, templateProblems, type TemplateVars } from './template.ts'

const vars = (over: Partial<TemplateVars> = {}): TemplateVars => ({
  entities: [
    { type: 'order', value: 'KF20261128', text: 'kf20261128', start: 0, end: 10 },
    { type: 'phone', value: '13812345678', text: '138 1234 5678', start: 11, end: 24 },
  ],
  visitor: { name: '李娜', email: null },
  intent: 'order_status',
  vars: { status: '已发货 shipped' },
  ...over,
})

describe('renderTemplate', () => {
  it('fills entities, visitor, intent and plugin vars', () => {
    expect(renderTemplate('订单 {{entities.order}} {{vars.status}}，电话 {{ entities.phone }}', vars())).toBe('订单 KF20261128 已发货 shipped，电话 13812345678')
    expect(renderTemplate('Hi {{visitor.name}}, about {{intent}}', vars())).toBe('Hi 李娜, about order_status')
  })

  it('uses the fallback for missing or empty values, and nothing without one', () => {
    const anon = vars({ visitor: { name: null, email: null }, entities: [], vars: { status: '' } })
    expect(renderTemplate('{{visitor.name | 您}}好', anon)).toBe('您好')
    expect(renderTemplate('Hello {{visitor.name | there}}!', anon)).toBe('Hello there!')
    expect(renderTemplate('[{{entities.order}}][{{vars.status}}][{{vars.nothing}}][{{bogus.x}}]', anon)).toBe('[][][][]')
    expect(renderTemplate('{{visitor.name | 您}}好', vars())).toBe('李娜好')
  })

  it('never evaluates anything: values are inserted as plain text, once', () => {
    const tricky = vars({ vars: { status: '{{visitor.name}} <b>x</b> ${process.exit()}' } })
    expect(renderTemplate('{{vars.status}}', tricky)).toBe('{{visitor.name}} <b>x</b> ${process.exit()}')
    expect(renderTemplate('{{constructor.constructor}}{{__proto__.x}}', tricky)).toBe('')
    expect(renderTemplate('no placeholders {here}', tricky)).toBe('no placeholders {here}')
  })
})

describe('templateProblems', () => {
  it('accepts the documented variables', () => {
    expect(templateProblems('{{entities.order}} {{visitor.name | 您}} {{visitor.email}} {{intent}} {{vars.status}}')).toEqual([])
  })

  it('names unknown roots and fields with a suggestion, and unclosed braces', () => {
    expect(templateProblems('{{visitr.name}}')).toEqual(['unknown variable "visitr.name" (did you mean "visitor"?); known: entities, visitor, intent, vars'])
    expect(templateProblems('{{visitor.nmae}}')).toEqual(['unknown visitor field "nmae" (did you mean "name"?); known: name, email'])
    expect(templateProblems('{{entities}}')[0]).toContain('needs a name after the dot')
    expect(templateProblems('{{intent.name}}')[0]).toContain('intent has no fields')
    expect(templateProblems('您好 {{visitor.name')).toEqual(['"{{" is never closed with "}}"'])
    expect(templateProblems('{{ 1 + 1 }}')[0]).toContain('is not a variable')
  })
})

describe('two languages', () => {
  it('picks Chinese for any Han character, English otherwise', () => {
    expect(pickLanguage('我的订单到哪了')).toBe('zh')
    expect(pickLanguage('where is KF20261128 订单')).toBe('zh')
    expect(pickLanguage('where is my order?')).toBe('en')
    expect(pickLanguage('KF20261128')).toBe('en')
    expect(pickLanguage('')).toBe('en')
  })

  it('localizes joined texts, objects and one-language strings', () => {
    const both = joinLanguages({ zh: '您好 {{visitor.name}}', en: 'Hello {{visitor.name}}' })
    expect(localize(both, 'zh')).toBe('您好 {{visitor.name}}')
    expect(localize(both, 'en')).toBe('Hello {{visitor.name}}')
    expect(localize({ zh: '好', en: 'ok' }, 'en')).toBe('ok')
    expect(localize('只有一种 only one', 'en')).toBe('只有一种 only one')
  })
})
