/* The page's configuration, from the data attribute the server wrote (no inline script). */
const root = document.getElementById("map-app");

export const config = JSON.parse(root.dataset.config);
export const API = config.api;
export const ROLE = config.user.role;
