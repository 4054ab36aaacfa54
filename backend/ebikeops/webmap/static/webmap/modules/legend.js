/* The legend: what each colour and outline on the map means, in words. */
import { el } from "./dom.js";
import { config } from "./config.js";
import { label } from "./names.js";
import { state } from "./state.js";
import { isOn } from "./layers.js";
import { INCIDENT_ATTRIBUTION, INCIDENT_COLOUR } from "./incidents.js";

export const VEHICLE_COLOURS = { e_bike: "#d7301f", e_scooter: "#2171b5", e_motorcycle: "#6a51a3", other: "#525252" };
// ArcGIS hot spot palette, bins -3..3 (99/95/90 % confidence; 0 not significant).
export const GI_COLOURS = {
  3: "#b2182b", 2: "#e34a33", 1: "#fc8d59", 0: "#bdbdbd", "-1": "#c6dbef", "-2": "#6baed6", "-3": "#2166ac",
};
export const DIRECTION_DASH = { heating: null, cooling: "6 4", irregular: "2 4", none: null };

function swatch(className, style, text) {
  return el("div", { class: "legend-item" }, [el("span", { class: `legend-swatch ${className}`, style }), el("span", { text })]);
}

export function renderLegend() {
  const items = [];
  const layers = state.layers;
  if (isOn(layers.suggestions)) {
    items.push(el("h4", { text: "Deployments" }));
    items.push(swatch("stop", {}, "Numbered stop: team 2, stop 1 reads 2.1"));
    items.push(swatch("line", { background: "#238b45" }, "Road section to patrol"));
  }
  if (isOn(layers.hotspots)) {
    items.push(el("h4", { text: "Hotspots: colour is how sure" }));
    for (const bin of [3, 2, 1, 0]) items.push(swatch("area", { background: GI_COLOURS[bin] }, label("gi_bin", bin)));
    items.push(el("h4", { text: "Hotspots: outline is the trend" }));
    items.push(swatch("outline solid", {}, label("direction", "heating")));
    items.push(swatch("outline dashed", {}, label("direction", "cooling")));
    items.push(swatch("outline dotted", {}, label("direction", "irregular")));
    items.push(swatch("outline thin", {}, label("direction", "none")));
  }
  if (isOn(layers.seizures)) {
    items.push(el("h4", { text: "Seizures" }));
    items.push(swatch("bubble", {}, "Number seized in the borough (zoomed out)"));
    for (const [code, colour] of Object.entries(VEHICLE_COLOURS)) {
      items.push(swatch("dot", { background: colour }, config.vehicleTypes[code] || label("vehicle_type", code)));
    }
  }
  if (isOn(layers.gistar)) {
    items.push(el("h4", { text: "Gi* grid cells" }));
    for (const bin of [3, 2, 1, -1, -2, -3]) items.push(swatch("area", { background: GI_COLOURS[bin] }, label("gi_bin", bin)));
  }
  if (isOn(layers.operations)) {
    items.push(el("h4", { text: "Past operations" }));
    items.push(swatch("ring", {}, "Operation (ring) and its stop points (dots)"));
  }
  if (isOn(layers.seizures) || isOn(layers.operations)) {
    items.push(swatch("cluster", {}, "Group of nearby seizures or operations: the number is how many; click to zoom in"));
  }
  if (isOn(layers.incidents)) {
    items.push(el("h4", { text: "Police.uk crimes (public context)" }));
    items.push(swatch("dot", { background: INCIDENT_COLOUR }, "Crimes published at a police.uk map point (larger: more)"));
    items.push(el("p", { class: "hint legend-attribution", text: INCIDENT_ATTRIBUTION }));
  }
  if (!config.tiles.url) {
    items.push(el("h4", { text: "Base map" }));
    items.push(swatch("area", { background: "#a6cee3" }, "River Thames"));
    items.push(swatch("line", { background: "#8c6d31" }, "Road corridors, named"));
  }
  document.getElementById("legend").replaceChildren(...items);
}
