/* Point maps on Leaflet that work with no tile server: a plain background, the points, a
   legend. If the server configures a tile URL, tiles are drawn under the points. */
(function () {
  var PALETTE = ["#1d5e3a", "#8a3b00", "#1a56db", "#7a1f6b", "#5c5c00", "#a1111b", "#006d77", "#4a4a8a"];
  function pointsMap(elementId, geojson, options) {
    options = options || {};
    var el = document.getElementById(elementId);
    if (!el || typeof L === "undefined") { return null; }
    var map = L.map(el, { zoomControl: true, attributionControl: !!(options.tiles && options.tiles.url) });
    if (options.tiles && options.tiles.url) {
      L.tileLayer(options.tiles.url, { attribution: options.tiles.attribution || "" }).addTo(map);
    }
    var colors = {}, next = 0;
    function colorFor(key) {
      if (!(key in colors)) { colors[key] = PALETTE[next % PALETTE.length]; next += 1; }
      return colors[key];
    }
    var layer = L.geoJSON(geojson, {
      pointToLayer: function (feature, latlng) {
        var p = feature.properties;
        var color = colorFor(p[options.colorBy || "kind"]);
        var marker = L.circleMarker(latlng, {
          radius: options.radius ? options.radius(p) : (p.is_hub ? 10 : 6),
          color: "#ffffff", weight: p.is_hub ? 3 : 1, fillColor: color, fillOpacity: 0.9
        });
        marker.bindTooltip(options.label ? options.label(p) : p.name);
        if (options.href) { marker.on("click", function () { window.location = options.href(p); }); }
        return marker;
      }
    }).addTo(map);
    var bounds = layer.getBounds();
    if (bounds.isValid()) { map.fitBounds(bounds.pad(0.05)); } else { map.setView([45.25, -73.9], 9); }
    if (options.legend) {
      var legend = document.getElementById(options.legend);
      Object.keys(colors).sort().forEach(function (key) {
        var li = document.createElement("li");
        var sw = document.createElement("span");
        sw.className = "swatch"; sw.style.background = colors[key];
        li.appendChild(sw); li.appendChild(document.createTextNode(options.legendLabel ? options.legendLabel(key) : key));
        legend.appendChild(li);
      });
    }
    el.setAttribute("data-points", String(layer.getLayers().length));
    return map;
  }
  window.bbMaps = { pointsMap: pointsMap };
})();
