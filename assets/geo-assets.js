/* plotly's geo subplot wants a world base map (world_110m.json from cdn.plot.ly). Our maps
   draw only our own regions, so we hand plotly empty layers up front: it never fetches one,
   from the CDN or from us, even while the server is away. */
window.PlotlyGeoAssets = window.PlotlyGeoAssets || {};
window.PlotlyGeoAssets.topojson = window.PlotlyGeoAssets.topojson || {};
(function () {
  var empty = {"type": "Topology", "objects": {"coastlines": {"type": "GeometryCollection", "geometries": []}, "land": {"type": "GeometryCollection", "geometries": []}, "ocean": {"type": "GeometryCollection", "geometries": []}, "lakes": {"type": "GeometryCollection", "geometries": []}, "rivers": {"type": "GeometryCollection", "geometries": []}, "countries": {"type": "GeometryCollection", "geometries": []}, "subunits": {"type": "GeometryCollection", "geometries": []}}, "arcs": [], "transform": {"scale": [1, 1], "translate": [0, 0]}};
  ["world_110m", "world_50m"].forEach(function (name) {
    window.PlotlyGeoAssets.topojson[name] = window.PlotlyGeoAssets.topojson[name] || empty;
  });
})();
