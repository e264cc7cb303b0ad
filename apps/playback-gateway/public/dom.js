// DOM helpers shared by the gateway's pages (auth.js, player.js, dashboard.js, data-streams.js): a plain browser ES
// module.

/**
 * The element with this id, checked to be of the expected class: a page whose markup lost or changed an element
 * fails at load naming it, instead of later on a null.
 * @template {HTMLElement} T
 * @param {string} id
 * @param {{ new (): T; readonly name: string }} type e.g. HTMLVideoElement
 * @returns {T}
 */
export function byId(id, type) {
  const node = document.getElementById(id);
  if (!(node instanceof type)) throw new Error(`#${id}: expected a ${type.name}, found ${node ? node.constructor.name : 'nothing'}`);
  return node;
}

/**
 * An element with `dataset` entries, `text` content and other props as attributes.
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {{ dataset?: Record<string, string>; text?: string; [attribute: string]: string | Record<string, string> | undefined }} [props]
 * @param {Array<Node | string>} [children]
 * @returns {HTMLElementTagNameMap[K]}
 */
export function make(tag, props = {}, children = []) {
  const node = document.createElement(tag);
  const { dataset = {}, text, ...attributes } = props;
  Object.assign(node.dataset, dataset);
  if (text !== undefined) node.textContent = text;
  for (const [k, v] of Object.entries(attributes)) if (typeof v === 'string') node.setAttribute(k, v);
  node.append(...children);
  return node;
}

/**
 * A search box that calls `onChange` with its cleaned text a moment after typing stops (one request, not one per key).
 * @param {HTMLInputElement} input
 * @param {RegExp} refused characters dropped from the text
 * @param {(text: string) => void} onChange
 */
export function bindSearch(input, refused, onChange) {
  let typing = 0;
  let last = '';
  input.addEventListener('input', () => {
    clearTimeout(typing);
    typing = setTimeout(() => {
      const text = input.value.trim().replace(refused, '');
      if (text === last) return;
      last = text;
      onChange(text);
    }, 250);
  });
}
