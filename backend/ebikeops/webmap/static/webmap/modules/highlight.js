/* One highlighted feature at a time. */
let highlighted = null;

export function highlight(layer, style) {
  if (highlighted && highlighted.layer.setStyle) highlighted.layer.setStyle(highlighted.style);
  highlighted = null;
  if (layer && layer.setStyle) {
    highlighted = { layer, style: { ...layer.options } };
    layer.setStyle(style || { weight: 4, color: "#111" });
    if (layer.bringToFront) layer.bringToFront();
  }
}
