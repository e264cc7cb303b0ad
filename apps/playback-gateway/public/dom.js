// DOM lookups shared by the gateway's pages (auth.js, player.js, dashboard.js): a plain browser ES module.

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
