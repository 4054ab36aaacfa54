/* What several modules share: the Leaflet map, the layers, the boroughs once loaded, and the
 * briefing's controls. Set up by main.js. */
export const state = {
  map: null,
  layers: {},
  boroughFeatures: [],
  boroughCentres: new Map(), // GSS code -> L.LatLng
  boroughsReady: Promise.resolve(),
  briefing: { mode: "near" },
};
