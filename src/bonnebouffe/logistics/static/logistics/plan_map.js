/* Route plan map: one polyline per route, hub and stop markers. Works with no tile server
   (plain background); draws tiles only when the server configures a tile URL. */
function bbPlanMap(elementId, dataId, legendId, tiles) {
  var el = document.getElementById(elementId);
  if (!el || typeof L === "undefined") { return null; }
  var data = JSON.parse(document.getElementById(dataId).textContent);
  var map = L.map(el, { attributionControl: !!(tiles && tiles.url) });
  if (tiles && tiles.url) { L.tileLayer(tiles.url, { attribution: tiles.attribution || "" }).addTo(map); }
  var group = L.featureGroup().addTo(map);
  var legend = document.getElementById(legendId);
  data.routes.forEach(function (route) {
    L.polyline(route.points, { color: route.colour, weight: 4, opacity: 0.85 }).bindTooltip(route.label).addTo(group);
    route.stops.forEach(function (s) {
      L.circleMarker([s.lat, s.lon], {
        radius: s.kind === "depot" ? 9 : 6, color: "#ffffff", weight: s.kind === "depot" ? 3 : 1,
        fillColor: route.colour, fillOpacity: 0.9
      }).bindTooltip(s.label).addTo(group);
    });
    if (legend) {
      var li = document.createElement("li"), sw = document.createElement("span");
      sw.className = "swatch"; sw.style.background = route.colour;
      li.appendChild(sw); li.appendChild(document.createTextNode(route.label)); legend.appendChild(li);
    }
  });
  var b = group.getBounds();
  if (b.isValid()) { map.fitBounds(b.pad(0.1)); } else { map.setView([45.25, -73.9], 9); }
  el.setAttribute("data-routes", String(data.routes.length));
  return map;
}
